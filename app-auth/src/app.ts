import cookie from '@fastify/cookie';
import {
  Counter,
  createHttpServer,
  createMetricsRegistry,
  listOf,
  requirePort,
  Service,
  ServiceClient,
  serviceCredentialsFrom,
  TokenIssuer,
  type Registry,
  type ServiceModule,
} from '@adboard/kit';
import { authConfigSchema } from './config.js';
import { UserDirectory } from './data/user-directory.js';
import { LoginLimiter } from './domain/login-limiter.js';
import { Sessions } from './domain/sessions.js';
import { authRoutes, LOGIN_OUTCOMES } from './routes/auth.js';

export const authService: ServiceModule<typeof authConfigSchema> = {
  name: 'app-auth',
  configSchema: authConfigSchema,
  async create(config, ports) {
    const kv = requirePort(ports, 'kv', 'REDIS_URL');
    const logger = ports.logger;
    const metrics = createMetricsRegistry('app-auth');
    const credentials = serviceCredentialsFrom('app-auth', config, metrics);
    const http = await createHttpServer({
      service: 'app-auth',
      description: 'Sessions, login and forward authentication; signs user tokens',
      logger,
      metrics,
      readiness: [{ name: 'session store', check: () => kv.ping() }],
      trustedProxies: listOf(config.TRUSTED_PROXIES),
      allowedOrigins: listOf(config.ALLOWED_ORIGINS),
      serviceCredentials: credentials,
      rateLimitStore: kv,
    });
    await http.register(cookie);
    authRoutes(http, {
      users: new UserDirectory(new ServiceClient('app-user', config.USER_SERVICE_URL, credentials)),
      sessions: new Sessions(kv, config.SESSION_TTL_SECONDS),
      limiter: new LoginLimiter(kv, {
        failures: config.LOGIN_LIMIT_PER_USERNAME,
        windowSeconds: config.LOGIN_LIMIT_WINDOW_SECONDS,
      }),
      loginsPerAddress: {
        max: config.LOGIN_LIMIT_PER_ADDRESS,
        windowSeconds: config.LOGIN_LIMIT_WINDOW_SECONDS,
      },
      issuer: await TokenIssuer.fromPem(
        config.AUTH_PRIVATE_KEY,
        config.JWT_TTL_SECONDS,
        undefined,
        listOf(config.AUTH_PUBLISHED_KEYS),
      ),
      secureCookie: config.SESSION_COOKIE_SECURE,
      logins: loginCounter(metrics),
    });
    return new Service({ name: 'app-auth', logger, http });
  },
};

/** Login attempts by outcome, each outcome exported from the start (0 before the first). */
function loginCounter(metrics: Registry): Counter {
  const logins = new Counter({
    name: 'logins_total',
    help: 'Login attempts by outcome: succeeded, refused (wrong credentials), locked (too many failures), failed (an error)',
    labelNames: ['outcome'],
    registers: [metrics],
  });
  for (const outcome of LOGIN_OUTCOMES) logins.inc({ outcome }, 0);
  return logins;
}
