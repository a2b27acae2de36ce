import { SERVICE_TOKEN_HEADER, SERVICES, isServiceName, type ServiceName } from '@adboard/contracts';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import type { KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import { ConfigError, listOf } from '../config.js';
import { ExpiringCache } from '../expiring-cache.js';
import { AccessDeniedError } from '../http/errors.js';
import { Counter, type Registry } from '../metrics.js';
import type { CallerCredentials } from '../request-context.js';
import { isPublicKey, keyIdOf, privateKeyOf, publicKeyObject, publicKeyOf } from './keys.js';

const ALGORITHM = 'EdDSA';
const TTL_SECONDS = 300;
const REUSE_SECONDS = 240;

/** One public key a caller signs with; a caller has two while its key is rotated. */
export interface CallerKey {
  service: ServiceName;
  publicKey: string;
}

export interface ServiceCredentialsOptions {
  /** This service's Ed25519 private key (PKCS#8 PEM): only a service that calls others has one. */
  signingKey?: string;
  /** The keys of the services allowed to call this one (the catalogue's `callers`). */
  callerKeys?: readonly CallerKey[];
  /** How far another host's clock may be ahead or behind when a token's times are checked. */
  clockToleranceSeconds?: number;
  /** Counts refused credentials by reason, for the alert on them. */
  refused?: Counter;
  clock?: Clock;
}

/** Why a credential was refused, as the metric labels it. */
export const CREDENTIAL_REFUSALS = ['missing', 'unknown key', 'invalid'] as const;

/**
 * Proves which service is calling. Each call carries `X-Service-Token`: a short-lived EdDSA JWT
 * whose issuer is the caller and whose audience is the callee, signed with the caller's own private
 * key (`SERVICE_SIGNING_KEY`). The callee accepts it only under a public key it was given for that
 * caller (`SERVICE_CALLER_KEYS`), and only for callers the service catalogue allows: no other
 * service can speak for the caller, and a service that calls nothing holds no signing key at all.
 */
export class ServiceCredentials implements CallerCredentials {
  static readonly header = SERVICE_TOKEN_HEADER;
  private readonly signing?: { key: KeyObject; kid: string };
  private readonly callers = new Map<string, { service: ServiceName; key: KeyObject }>();
  private readonly clockTolerance: number;
  private readonly clock: Clock;
  private readonly cache = new Map<string, { token: string; reuseUntil: number }>();
  /** Tokens that passed, until they expire: a caller reuses one token for minutes. */
  private readonly verified: ExpiringCache<string>;

  constructor(
    readonly self: ServiceName,
    private readonly options: ServiceCredentialsOptions = {},
  ) {
    if (options.signingKey) {
      this.signing = { key: privateKeyOf(options.signingKey), kid: keyIdOf(publicKeyOf(options.signingKey)) };
    }
    const allowed: readonly string[] = SERVICES[self].callers;
    for (const { service, publicKey } of options.callerKeys ?? []) {
      if (!allowed.includes(service)) {
        throw new ConfigError(
          `Invalid configuration: SERVICE_CALLER_KEYS: ${service} may not call ${self} (the service catalogue allows ${allowed.join(', ') || 'no caller'})`,
        );
      }
      this.callers.set(keyIdOf(publicKey), { service, key: publicKeyObject(publicKey) });
    }
    this.clockTolerance = options.clockToleranceSeconds ?? 0;
    this.clock = options.clock ?? systemClock;
    this.verified = new ExpiringCache(1_000, () => this.clock.now());
  }

  /** A token for calling `audience`, reused for a few minutes. */
  async tokenFor(audience: string): Promise<string> {
    if (!this.signing) throw new Error(`${this.self} has no SERVICE_SIGNING_KEY: it calls no other service`);
    const cached = this.cache.get(audience);
    if (cached && cached.reuseUntil > this.clock.now()) return cached.token;
    const now = Math.floor(this.clock.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: ALGORITHM, kid: this.signing.kid, typ: 'JWT' })
      .setIssuer(this.self)
      .setSubject(this.self)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + TTL_SECONDS)
      .sign(this.signing.key);
    this.cache.set(audience, { token, reuseUntil: this.clock.now() + REUSE_SECONDS * 1000 });
    return token;
  }

  /**
   * The calling service's name; 403 for a missing or forged token, one signed with a key this
   * service was not given, one whose issuer is not the key's owner, an expired or misaddressed
   * one, and one that does not state its issuer, audience, issue and expiry times (or is older
   * than its TTL).
   */
  async verify(token: string | undefined): Promise<string> {
    if (!token) return this.refuse('missing');
    const known = this.verified.get(token);
    if (known) return known;
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return this.refuse('invalid');
    }
    const caller = kid === undefined ? undefined : this.callers.get(kid);
    if (!caller) return this.refuse('unknown key');
    try {
      const { payload } = await jwtVerify(token, caller.key, {
        issuer: caller.service,
        audience: this.self,
        algorithms: [ALGORITHM],
        requiredClaims: ['iss', 'aud', 'iat', 'exp'],
        maxTokenAge: TTL_SECONDS,
        clockTolerance: this.clockTolerance,
        currentDate: new Date(this.clock.now()),
      });
      this.verified.set(token, caller.service, Math.min(payload.exp!, payload.iat! + TTL_SECONDS) * 1000);
      return caller.service;
    } catch {
      return this.refuse('invalid');
    }
  }

  private refuse(reason: (typeof CREDENTIAL_REFUSALS)[number]): never {
    this.options.refused?.inc({ reason });
    throw new AccessDeniedError();
  }
}

/**
 * `SERVICE_CALLER_KEYS` as a list: `"app-adv:<key>, app-adv:<next key>"`. Throws, naming the
 * entry, on a service that does not exist or a key that is not a base64url Ed25519 public key.
 */
export function callerKeysOf(setting: string): CallerKey[] {
  return listOf(setting).map((entry) => {
    const [service = '', publicKey = ''] = entry.split(':');
    if (!isServiceName(service) || !isPublicKey(publicKey)) {
      throw new ConfigError(
        `Invalid configuration: SERVICE_CALLER_KEYS: "${entry}" is not <service>:<base64url Ed25519 public key>`,
      );
    }
    return { service, publicKey };
  });
}

/**
 * A service's credentials from its settings (`SERVICE_SIGNING_KEY` if it calls others,
 * `SERVICE_CALLER_KEYS` if others call it), with refused credentials counted in `metrics`.
 */
export function serviceCredentialsFrom(
  self: ServiceName,
  config: { SERVICE_SIGNING_KEY?: string; SERVICE_CALLER_KEYS?: string; CLOCK_TOLERANCE_SECONDS?: number },
  metrics?: Registry,
): ServiceCredentials {
  const refused =
    metrics &&
    new Counter({
      name: 'service_credentials_refused_total',
      help: 'Service credentials this service refused (403), by reason: missing, unknown key, invalid',
      labelNames: ['reason'],
      registers: [metrics],
    });
  for (const reason of CREDENTIAL_REFUSALS) refused?.inc({ reason }, 0);
  return new ServiceCredentials(self, {
    ...(config.SERVICE_SIGNING_KEY ? { signingKey: config.SERVICE_SIGNING_KEY } : {}),
    callerKeys: callerKeysOf(config.SERVICE_CALLER_KEYS ?? ''),
    clockToleranceSeconds: config.CLOCK_TOLERANCE_SECONDS ?? 0,
    ...(refused ? { refused } : {}),
  });
}
