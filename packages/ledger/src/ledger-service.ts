import {
  consumerRetention,
  createServiceBase,
  idempotencyKeyRetention,
  kitMigrations,
  migrationsOf,
  RetentionCleanup,
  Service,
  type Ports,
  type ServiceBase,
  type ServiceBaseConfig,
} from '@adboard/kit';
import type { ServiceName } from '@adboard/contracts';
import { openAccountsFromUserEvents } from './accounts-from-user-events.js';
import { ledgerMigrations } from './ledger.js';

/**
 * A service that keeps balances on the ledger (app-billing, app-bonus): an account per
 * registered user opened from `user.event`, idempotency keys, inbox and dead letters deleted after
 * their retention, and the routes the service adds.
 */
export async function createLedgerService(options: {
  name: ServiceName;
  description: string;
  /** The service's own module URL, to find its `migrations/` folder. */
  moduleUrl: string;
  config: ServiceBaseConfig & {
    IDEMPOTENCY_RETENTION_HOURS: number;
    INBOX_RETENTION_DAYS: number;
    DEAD_LETTER_RETENTION_DAYS: number;
  };
  ports: Ports;
  routes: (base: ServiceBase) => void;
}): Promise<Service> {
  const base = await createServiceBase(options.name, options.description, options.config, options.ports);
  const { db, bus, logger, metrics, http } = base;
  options.routes(base);
  return new Service({
    name: options.name,
    logger,
    http,
    database: {
      db,
      migrations: [kitMigrations, ledgerMigrations, migrationsOf(options.name, options.moduleUrl)],
    },
    workers: [
      openAccountsFromUserEvents({ service: options.name, db, bus, logger, metrics }),
      new RetentionCleanup({
        db,
        logger,
        rules: [
          idempotencyKeyRetention(options.config.IDEMPOTENCY_RETENTION_HOURS),
          ...consumerRetention(options.config),
        ],
      }),
    ],
  });
}
