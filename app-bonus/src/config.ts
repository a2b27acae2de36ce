import {
  commonSettings,
  consumerRetentionSettings,
  databaseSettings,
  kafkaSettings,
  serviceCalleeSettings,
  Type,
  userTokenSettings,
} from '@adboard/kit';

export const bonusConfigSchema = Type.Object({
  ...commonSettings,
  ...userTokenSettings,
  ...serviceCalleeSettings,
  ...databaseSettings,
  ...kafkaSettings,
  ...consumerRetentionSettings,
  BONUS_PERCENT: Type.Integer({
    minimum: 0,
    maximum: 100,
    default: 10,
    description: 'bonus accrued, % of a purchase',
  }),
  IDEMPOTENCY_RETENTION_HOURS: Type.Integer({
    minimum: 24,
    default: 72,
    description: 'how long completed keys are kept',
  }),
});
