import {
  commonSettings,
  consumerRetentionSettings,
  databaseSettings,
  kafkaSettings,
  moneyRateLimitSettings,
  serviceCalleeSettings,
  redisSettings,
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
  // Redis, where the replicas count their rate limits together (without it, each counts its own).
  ...redisSettings,
  ...moneyRateLimitSettings,
  IDEMPOTENCY_RETENTION_HOURS: Type.Integer({
    minimum: 24,
    default: 72,
    description: 'how long completed keys are kept',
  }),
});
