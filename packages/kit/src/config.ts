import { Type, type Static, type TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { PUBLIC_KEY_PATTERN } from './auth/keys.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads configuration from environment variables against a TypeBox schema: strings are converted
 * to the declared types, defaults applied, and the first start with a bad value fails with the
 * variable's name and what was wrong, before anything is opened or listened on.
 */
export function loadConfig<T extends TObject>(
  schema: T,
  env: Record<string, string | undefined> = process.env,
): Static<T> {
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(schema.properties)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const config = Value.Default(schema, Value.Convert(schema, raw));
  const problems = new Map<string, string>();
  for (const error of Value.Errors(schema, config)) {
    const name = error.path.replace(/^\//, '') || '(config)';
    if (problems.has(name)) continue;
    const allowed = literalsOf(schema.properties[name]);
    problems.set(
      name,
      error.value === undefined
        ? `${name} is required`
        : allowed
          ? `${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(error.value)})`
          : `${name}: ${error.message} (got ${JSON.stringify(error.value)})`,
    );
  }
  if (problems.size > 0) throw new ConfigError(`Invalid configuration: ${[...problems.values()].join('; ')}`);
  return config as Static<T>;
}

/** The allowed values of a setting that is a choice between literals, e.g. LOG_LEVEL. */
function literalsOf(schema: unknown): unknown[] | undefined {
  const choices = (schema as { anyOf?: { const?: unknown }[] } | undefined)?.anyOf;
  if (!choices?.every((choice) => 'const' in choice)) return undefined;
  return choices.map((choice) => choice.const);
}

/** A URL-shaped setting (scheme://...). */
export const UrlSetting = (description: string) =>
  Type.String({ pattern: '^[a-z][a-z0-9+.-]*://', description });

/** A comma-separated list of origins (`scheme://host[:port]`); empty by default. */
export const OriginsSetting = (description: string) =>
  Type.String({
    default: '',
    pattern: '^(\\s*https?://[^,\\s/]+\\s*)?(,\\s*https?://[^,\\s/]+\\s*)*$',
    description,
  });

/** The variables every service reads. */
export const commonSettings = {
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  LOG_FORMAT: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('pretty')], {
      description: 'json, or pretty (readable lines); default: pretty on a terminal, json otherwise',
    }),
  ),
  CLOCK_TOLERANCE_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 300,
    default: 5,
    description:
      "how far another host's clock may be ahead or behind when the times of a user or service token are checked",
  }),
  TRUSTED_PROXIES: Type.String({
    default: '',
    pattern: '^[0-9A-Fa-f.:/, ]*$',
    description:
      'comma-separated addresses or CIDR ranges of the proxies whose X-Forwarded-For is believed (none by default)',
  }),
  ALLOWED_ORIGINS: OriginsSetting(
    'comma-separated origins (scheme://host[:port]) besides its own whose pages may send requests that change something; none by default',
  ),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  REUSE_PORT: Type.Boolean({
    default: false,
    description:
      'listen with SO_REUSEPORT, so a new process can take over the port while the old one drains (pods on the host network; Linux, Node >= 22.12)',
  }),
};

/** For services with money routes a user calls (top-up, rollback, purchase): a limit per user. */
export const moneyRateLimitSettings = {
  MONEY_LIMIT_PER_USER: Type.Integer({
    minimum: 1,
    default: 60,
    description: 'money operations one user may start in a window (429 beyond)',
  }),
  MONEY_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
};

/** An Ed25519 private key (PKCS#8 PEM, what `openssl genpkey -algorithm ed25519` writes). */
export const PrivateKeySetting = (description: string) =>
  Type.String({ pattern: '-----BEGIN PRIVATE KEY-----', description });

/**
 * Ed25519 public keys (base64url), comma-separated, each `entry` (a regular expression's source,
 * by default the key alone); none at all only when the setting has a default.
 */
export const PublicKeysSetting = (
  options: { description: string; default?: string },
  entry = PUBLIC_KEY_PATTERN,
) =>
  Type.String({
    pattern: `^\\s*(${entry}(\\s*,\\s*${entry})*)${options.default === undefined ? '' : '?'}\\s*$`,
    ...options,
  });

/** For services that call another's internal routes: the key that proves who is calling. */
export const serviceCallerSettings = {
  SERVICE_SIGNING_KEY: PrivateKeySetting(
    "this service's Ed25519 private key (PKCS#8 PEM): signs its calls to other services, which know its public key",
  ),
};

/** For services with internal routes: the public keys of the services allowed to call them. */
export const serviceCalleeSettings = {
  SERVICE_CALLER_KEYS: PublicKeysSetting(
    {
      description:
        'the public keys of the services that may call this one: <service>:<base64url Ed25519 public key>, comma-separated (two for one service while its key is rotated)',
    },
    `[a-z][a-z-]*:${PUBLIC_KEY_PATTERN}`,
  ),
};

/** For services that consume events: how long the inbox and the dead letters are kept. */
export const consumerRetentionSettings = {
  INBOX_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    default: 14,
    description:
      "how long a handled event's id is kept against redelivery: at least the topics' retention.ms plus one segment (Kafka's defaults: 7 + 7 days)",
  }),
  DEAD_LETTER_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    default: 30,
    description: 'how long an event set aside in dead_letter is kept for inspection',
  }),
};

/** For services with protected routes: where app-auth publishes the keys that sign user tokens. */
export const userTokenSettings = {
  AUTH_JWKS_URL: UrlSetting('app-auth JWKS document, to verify user tokens'),
};

/**
 * The adapters' variables. Each is optional in the schema because the embedded launcher hands the
 * service in-process adapters instead; a service started without the adapter it needs fails with
 * the variable's name (see `requirePort`).
 */
export const databaseSettings = {
  DATABASE_URL: Type.Optional(UrlSetting('PostgreSQL connection string of this service database')),
};
export const kafkaSettings = {
  KAFKA_BROKERS: Type.Optional(
    Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$', description: 'host:port[,host:port...]' }),
  ),
  KAFKA_TOPIC_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9._-]*$',
    default: '',
    description: 'put before every topic and consumer group name (systems sharing one cluster)',
  }),
};
export const redisSettings = {
  REDIS_URL: Type.Optional(UrlSetting('Redis connection string')),
};

/** A comma-separated setting as a list: `"10.0.0.0/8, 127.0.0.1"` → `["10.0.0.0/8", "127.0.0.1"]`. */
export function listOf(setting: string): string[] {
  return setting
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
