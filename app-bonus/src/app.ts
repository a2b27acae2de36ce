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
import { bonusConfigSchema } from './config.js';
import { bonusRoutes } from './routes/bonus.js';

export const bonusService: ServiceModule<typeof bonusConfigSchema> = {
  name: 'app-bonus',
  configSchema: bonusConfigSchema,
  async create(config, ports) {
    const { db, bus, logger, metrics, http, guards } = await createServiceBase(
      'app-bonus',
      'Bonus accounts: accrual for purchases and its rollback',
      config,
      ports,
    );
    bonusRoutes(http, db, guards, config.BONUS_PERCENT);
    return new Service({
      name: 'app-bonus',
      logger,
      http,
      database: {
        db,
        migrations: [kitMigrations, ledgerMigrations, migrationsOf('app-bonus', import.meta.url)],
      },
      workers: [
        openAccountsFromUserEvents({ service: 'app-bonus', db, bus, logger, metrics }),
        new IdempotencyCleanup({ db, logger, retentionHours: config.IDEMPOTENCY_RETENTION_HOURS }),
      ],
    });
  },
};
