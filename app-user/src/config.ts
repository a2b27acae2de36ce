import {
  commonSettings,
  databaseSettings,
  kafkaSettings,
  serviceCalleeSettings,
  redisSettings,
  Type,
  userTokenSettings,
} from '@adboard/kit';

export const userConfigSchema = Type.Object({
  ...commonSettings,
  ...userTokenSettings,
  ...serviceCalleeSettings,
  ...databaseSettings,
  ...kafkaSettings,
  // Redis, where the replicas count their rate limits together (without it, each counts its own).
  ...redisSettings,
  REGISTRATION_LIMIT_PER_ADDRESS: Type.Integer({
    minimum: 1,
    default: 20,
    description: 'registrations one client address may make in a window (429 beyond)',
  }),
  REGISTRATION_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
});
