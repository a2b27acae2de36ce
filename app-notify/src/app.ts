import {
  consumerRetention,
  createServiceBase,
  kitMigrations,
  migrationsOf,
  RetentionCleanup,
  Service,
  type ServiceModule,
} from '@adboard/kit';
import { notifyConfigSchema } from './config.js';
import { notificationsFromOrderEvents } from './events/order-events.js';
import { notificationRoutes } from './routes/notifications.js';

export const notifyService: ServiceModule<typeof notifyConfigSchema> = {
  name: 'app-notify',
  configSchema: notifyConfigSchema,
  async create(config, ports) {
    const { db, bus, logger, metrics, http } = await createServiceBase(
      'app-notify',
      'Notifications from order.event',
      config,
      ports,
    );
    notificationRoutes(http, db);
    return new Service({
      name: 'app-notify',
      logger,
      http,
      database: { db, migrations: [kitMigrations, migrationsOf('app-notify', import.meta.url)] },
      workers: [
        notificationsFromOrderEvents({ db, bus, logger, metrics }),
        new RetentionCleanup({ db, logger, rules: consumerRetention(config) }),
      ],
    });
  },
};
