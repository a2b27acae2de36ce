import cookie from '@fastify/cookie';
import {
  createHttpServer,
  createMetricsRegistry,
  requirePort,
  Service,
  ServiceClient,
  ServiceCredentials,
  TokenIssuer,
  trustedProxiesOf,
  type ServiceModule,
} from '@adboard/kit';
import { authConfigSchema } from './config.js';
import { UserDirectory } from './data/user-directory.js';
import { LoginLimiter } from './domain/login-limiter.js';
import { Sessions } from './domain/sessions.js';
import { authRoutes } from './routes/auth.js';

export const authService: ServiceModule<typeof authConfigSchema> = {
  name: 'app-auth',
  configSchema: authConfigSchema,
  async create(config, ports) {
    const kv = requirePort(ports, 'kv', 'REDIS_URL');
    const logger = ports.logger;
    const credentials = new ServiceCredentials('app-auth', config.SERVICE_SECRET);
    const http = await createHttpServer({
      service: 'app-auth',
      description: 'Sessions, login and forward authentication; signs user tokens',
      logger,
      metrics: createMetricsRegistry('app-auth'),
      readiness: [{ name: 'session store', check: () => kv.ping() }],
      trustedProxies: trustedProxiesOf(config.TRUSTED_PROXIES),
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
      issuer: await TokenIssuer.fromPem(config.AUTH_PRIVATE_KEY, config.JWT_TTL_SECONDS),
      secureCookie: config.SESSION_COOKIE_SECURE,
    });
    return new Service({ name: 'app-auth', logger, http });
  },
};
