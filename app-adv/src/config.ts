import {
  commonSettings,
  databaseSettings,
  kafkaSettings,
  moneyRateLimitSettings,
  serviceCallerSettings,
  redisSettings,
  Type,
  UrlSetting,
  userTokenSettings,
} from '@adboard/kit';

export const advConfigSchema = Type.Object({
  ...commonSettings,
  ...userTokenSettings,
  ...serviceCallerSettings,
  ...databaseSettings,
  ...kafkaSettings,
  // Redis, where the replicas count their rate limits together (without it, each counts its own).
  ...redisSettings,
  ...moneyRateLimitSettings,
  BILLING_SERVICE_URL: UrlSetting('app-billing base URL'),
  BONUS_SERVICE_URL: UrlSetting('app-bonus base URL'),
  PURCHASE_TIME_BUDGET_MS: Type.Integer({
    minimum: 500,
    default: 5_000,
    description:
      'how long a purchase request waits for its saga before answering that it is still in progress',
  }),
  SAGA_STEP_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 2_000,
    description: 'timeout of one call to billing or bonus',
  }),
  SAGA_RESUME_INTERVAL_MS: Type.Integer({
    minimum: 100,
    default: 1_000,
    description: 'how often unfinished sagas are resumed',
  }),
  PURCHASE_STEPS_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    default: 30,
    description:
      'how long the steps of a purchase that ended are kept for GET /api/v1/adv/{id}/purchase (an unfinished purchase keeps them)',
  }),
  BOARD_LIMIT_PER_ADDRESS: Type.Integer({
    minimum: 1,
    default: 120,
    description: 'board reads one client address may make in a window (429 beyond)',
  }),
  BOARD_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
  BOARD_DB_CONNECTIONS: Type.Integer({
    minimum: 1,
    default: 2,
    description: 'connections of the pool the public board reads on, apart from the ones purchases use',
  }),
  BOARD_STATEMENT_TIMEOUT_MS: Type.Integer({
    minimum: 10,
    default: 200,
    description: 'longest a board read may run; beyond it the read is cancelled and answered 503',
  }),
});
