import {
  commonSettings,
  consumerRetentionSettings,
  databaseSettings,
  kafkaSettings,
  moneyRateLimitSettings,
  serviceCalleeSettings,
  Type,
  userTokenSettings,
} from '@adboard/kit';

export const billingConfigSchema = Type.Object({
  ...commonSettings,
  ...userTokenSettings,
  ...serviceCalleeSettings,
  ...databaseSettings,
  ...kafkaSettings,
  ...consumerRetentionSettings,
  ...moneyRateLimitSettings,
  IDEMPOTENCY_RETENTION_HOURS: Type.Integer({
    minimum: 24,
    default: 72,
    description: 'how long completed keys are kept',
  }),
});
