import {
  createServiceBase,
  kitMigrations,
  migrationsOf,
  OutboxRelay,
  Service,
  type ServiceModule,
} from '@adboard/kit';
import { userConfigSchema } from './config.js';
import { userRoutes } from './routes/users.js';

export const userService: ServiceModule<typeof userConfigSchema> = {
  name: 'app-user',
  configSchema: userConfigSchema,
  async create(config, ports) {
    const { db, bus, logger, metrics, http } = await createServiceBase(
      'app-user',
      'Registration and profiles; publishes user.event',
      config,
      ports,
    );
    userRoutes(http, db, {
      max: config.REGISTRATION_LIMIT_PER_ADDRESS,
      windowSeconds: config.REGISTRATION_LIMIT_WINDOW_SECONDS,
      per: 'address',
    });
    return new Service({
      name: 'app-user',
      logger,
      http,
      database: { db, migrations: [kitMigrations, migrationsOf('app-user', import.meta.url)] },
      workers: [new OutboxRelay({ db, bus, source: 'app-user', logger, metrics })],
    });
  },
};
