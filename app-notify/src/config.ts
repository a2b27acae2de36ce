import {
  commonSettings,
  consumerRetentionSettings,
  databaseSettings,
  kafkaSettings,
  Type,
  userTokenSettings,
} from '@adboard/kit';

export const notifyConfigSchema = Type.Object({
  ...commonSettings,
  ...userTokenSettings,
  ...databaseSettings,
  ...kafkaSettings,
  ...consumerRetentionSettings,
});
