import {
  createGuards,
  createHttpServer,
  createMetricsRegistry,
  kitMigrations,
  migrationsOf,
  OutboxRelay,
  requirePort,
  Service,
  ServiceCredentials,
  TokenVerifier,
  type ServiceModule,
} from '@adboard/kit';
import { userConfigSchema } from './config.js';
import { userRoutes } from './routes/users.js';

export const userService: ServiceModule<typeof userConfigSchema> = {
  name: 'app-user',
  configSchema: userConfigSchema,
  async create(config, ports) {
    const db = requirePort(ports, 'db', 'DATABASE_URL');
    const bus = requirePort(ports, 'bus', 'KAFKA_BROKERS');
    const logger = ports.logger;
    const metrics = createMetricsRegistry('app-user');
    const http = await createHttpServer({
      service: 'app-user',
      description: 'Registration and profiles; publishes user.event',
      logger,
      metrics,
      readiness: [{ name: 'database', check: () => db.ping() }],
      trustProxyHops: config.TRUST_PROXY_HOPS,
    });
    const guards = createGuards(
      TokenVerifier.remote(config.AUTH_JWKS_URL),
      new ServiceCredentials('app-user', config.SERVICE_SECRET),
    );
    userRoutes(http, db, guards);
    return new Service({
      name: 'app-user',
      logger,
      http,
      database: { db, migrations: [kitMigrations, migrationsOf('app-user', import.meta.url)] },
      workers: [new OutboxRelay({ db, bus, source: 'app-user', logger, metrics })],
    });
  },
};
