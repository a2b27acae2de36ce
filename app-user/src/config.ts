import { commonSettings, databaseSettings, kafkaSettings, Type, userTokenSettings } from '@adboard/kit';

export const userConfigSchema = Type.Object({
  ...commonSettings,
  ...userTokenSettings,
  ...databaseSettings,
  ...kafkaSettings,
});
