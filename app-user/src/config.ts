import { commonSettings, databaseSettings, kafkaSettings, Type, userTokenSettings } from '@adboard/kit';

export const userConfigSchema = Type.Object({
  ...commonSettings,
  ...userTokenSettings,
  ...databaseSettings,
  ...kafkaSettings,
  REGISTRATION_LIMIT_PER_ADDRESS: Type.Integer({
    minimum: 1,
    default: 20,
    description: 'registrations one client address may make in a window (429 beyond)',
  }),
  REGISTRATION_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
});
