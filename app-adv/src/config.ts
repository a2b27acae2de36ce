import {
  commonSettings,
  databaseSettings,
  kafkaSettings,
  moneyRateLimitSettings,
  serviceCallerSettings,
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
});
