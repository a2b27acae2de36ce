import {
  createServiceBase,
  IdempotencyCleanup,
  kitMigrations,
  ledgerMigrations,
  migrationsOf,
  openAccountsFromUserEvents,
  Service,
  type ServiceModule,
} from '@adboard/kit';
import { billingConfigSchema } from './config.js';
import { accountRoutes } from './routes/accounts.js';

export const billingService: ServiceModule<typeof billingConfigSchema> = {
  name: 'app-billing',
  configSchema: billingConfigSchema,
  async create(config, ports) {
    const { db, bus, logger, metrics, http, guards } = await createServiceBase(
      'app-billing',
      'Accounts, top-ups, payments and their rollback, with idempotency keys and a ledger',
      config,
      ports,
    );
    accountRoutes(http, db, guards);
    return new Service({
      name: 'app-billing',
      logger,
      http,
      database: {
        db,
        migrations: [kitMigrations, ledgerMigrations, migrationsOf('app-billing', import.meta.url)],
      },
      workers: [
        openAccountsFromUserEvents({ service: 'app-billing', db, bus, logger, metrics }),
        new IdempotencyCleanup({ db, logger, retentionHours: config.IDEMPOTENCY_RETENTION_HOURS }),
      ],
    });
  },
};
