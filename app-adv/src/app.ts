import {
  Counter,
  createServiceBase,
  Gauge,
  kitMigrations,
  migrationsOf,
  OutboxRelay,
  type Registry,
  RetentionCleanup,
  Service,
  ServiceClient,
  type ServiceModule,
} from '@adboard/kit';
import { advConfigSchema } from './config.js';
import { BoardRepository } from './data/board-repository.js';
import { httpPartners } from './data/partners.js';
import { purchaseStepRetention } from './data/retention.js';
import { sqlStorage } from './data/storage.js';
import { STUCK_AFTER_RETRIES, UNFINISHED_STATES } from './domain/purchase.js';
import { advertisementRoutes } from './routes/advertisements.js';
import { boardRoutes } from './routes/board.js';
import { Checkout } from './saga/checkout.js';
import { PurchaseResumer } from './saga/purchase-resumer.js';
import { PURCHASE_OUTCOMES, PurchaseSaga, type SagaHooks } from './saga/purchase-saga.js';

/** app-adv, optionally with fault injection points for tests. */
export function createAdvService(hooks?: SagaHooks): ServiceModule<typeof advConfigSchema> {
  return {
    name: 'app-adv',
    configSchema: advConfigSchema,
    async create(config, ports) {
      const { db, bus, logger, metrics, http, credentials } = await createServiceBase(
        'app-adv',
        'Paid advertisements: the purchase saga across billing, bonus and adv',
        config,
        ports,
      );
      const storage = sqlStorage(db);
      const stepTimeoutMs = config.SAGA_STEP_TIMEOUT_MS;
      const saga = new PurchaseSaga({
        storage,
        logger,
        partners: httpPartners(
          new ServiceClient('app-billing', config.BILLING_SERVICE_URL, credentials, stepTimeoutMs),
          new ServiceClient('app-bonus', config.BONUS_SERVICE_URL, credentials, stepTimeoutMs),
          stepTimeoutMs,
        ),
        stepTimeoutMs,
        timeBudgetMs: config.PURCHASE_TIME_BUDGET_MS,
        failures: new Counter({
          name: 'purchase_step_failures_total',
          help: 'Failed purchase saga steps that will be retried, by step',
          labelNames: ['step'],
          registers: [metrics],
        }),
        outcomes: purchaseOutcomes(metrics),
        ...(hooks ? { hooks } : {}),
      });
      new Gauge({
        name: 'purchases_unfinished',
        help: `Unfinished purchase sagas by state; stuck = retried ${STUCK_AFTER_RETRIES} times or more`,
        labelNames: ['state', 'kind'],
        registers: [metrics],
        async collect() {
          const rows = await storage.purchases.unfinishedByState();
          this.reset();
          for (const state of UNFINISHED_STATES) {
            this.set({ state, kind: 'all' }, 0);
            this.set({ state, kind: 'stuck' }, 0);
          }
          for (const row of rows) {
            this.set({ state: row.state, kind: 'all' }, row.count);
            this.set({ state: row.state, kind: 'stuck' }, row.stuck);
          }
        },
      });
      advertisementRoutes(http, {
        storage,
        checkout: new Checkout(storage, saga),
        purchasesPerUser: {
          max: config.MONEY_LIMIT_PER_USER,
          windowSeconds: config.MONEY_LIMIT_WINDOW_SECONDS,
          per: 'user',
        },
      });
      // Public reads on a pool of their own: however many arrive, they hold at most
      // BOARD_DB_CONNECTIONS connections, each statement for at most BOARD_STATEMENT_TIMEOUT_MS.
      const boardDb = db.derive({
        applicationName: 'app-adv board',
        maxConnections: config.BOARD_DB_CONNECTIONS,
        statementTimeoutMs: config.BOARD_STATEMENT_TIMEOUT_MS,
      });
      http.addHook('onClose', async () => boardDb.close());
      boardRoutes(http, {
        board: new BoardRepository(boardDb),
        readsPerAddress: {
          max: config.BOARD_LIMIT_PER_ADDRESS,
          windowSeconds: config.BOARD_LIMIT_WINDOW_SECONDS,
          per: 'address',
        },
      });
      // At shutdown, purchases still waiting on their saga answer 202 after the step in hand (their
      // state is stored; a repeat or the resumer finishes them) instead of holding the stop up.
      http.addHook('preClose', async () => void saga.stop());
      return new Service({
        name: 'app-adv',
        logger,
        http,
        database: { db, migrations: [kitMigrations, migrationsOf('app-adv', import.meta.url)] },
        // Stopped in reverse order: the resumer, then the saga's runs, then the relay that
        // publishes their final events.
        workers: [
          new RetentionCleanup({
            db,
            logger,
            rules: [purchaseStepRetention(config.PURCHASE_STEPS_RETENTION_DAYS)],
          }),
          new OutboxRelay({ db, bus, source: 'app-adv', logger, metrics }),
          saga,
          new PurchaseResumer({
            purchases: storage.purchases,
            saga,
            logger,
            intervalMs: config.SAGA_RESUME_INTERVAL_MS,
          }),
        ],
      });
    },
  };
}

/** The purchase outcome counter, each outcome exported from the start (0 before the first). */
function purchaseOutcomes(metrics: Registry): Counter {
  const outcomes = new Counter({
    name: 'purchase_outcomes_total',
    help: `Purchases by outcome: paid, refused, compensated (undone after a later step failed), or stuck (retried ${STUCK_AFTER_RETRIES} times)`,
    labelNames: ['outcome'],
    registers: [metrics],
  });
  for (const outcome of PURCHASE_OUTCOMES) outcomes.inc({ outcome }, 0);
  return outcomes;
}

export const advService = createAdvService();
