import { resolve } from 'node:path';
import { commonSettings, kafkaSettings, packageDir, Type, UrlSetting } from '@adboard/kit';

const defaultDataDir = resolve(packageDir(import.meta.url), '..', '..', '.data');

/** `npm start`'s own settings (the services' settings pass through to them). */
export const embeddedSettings = Type.Object({
  GATEWAY_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  GATEWAY_HOST: Type.String({ default: '127.0.0.1' }),
  STACK_DATA_DIR: Type.String({ default: defaultDataDir }),
  STACK_POSTGRES_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 54329 }),
  STACK_SERVICE_PORT_BASE: Type.Integer({ minimum: 1, maximum: 65500, default: 8081 }),
  LOG_LEVEL: commonSettings.LOG_LEVEL,
  LOG_FORMAT: commonSettings.LOG_FORMAT,
});

/** `npm run start:distributed`'s own settings. */
export const distributedSettings = Type.Object({
  DATABASE_SERVER_URL: UrlSetting('a PostgreSQL server; databases <prefix>_<service> are created on it'),
  STACK_DATABASE_PREFIX: Type.String({ pattern: '^[a-z][a-z0-9_]*$', default: 'adboard' }),
  REDIS_URL: UrlSetting("Redis for app-auth's sessions and the services' rate-limit counters"),
  KAFKA_BROKERS: kafkaSettings.KAFKA_BROKERS,
  KAFKA_TOPIC_PREFIX: kafkaSettings.KAFKA_TOPIC_PREFIX,
  GATEWAY_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  GATEWAY_HOST: Type.String({ default: '127.0.0.1' }),
  STACK_SERVICE_PORT_BASE: Type.Integer({ minimum: 1, maximum: 65500, default: 8081 }),
  STACK_DATA_DIR: Type.String({ default: defaultDataDir }),
  LOG_LEVEL: commonSettings.LOG_LEVEL,
  LOG_FORMAT: commonSettings.LOG_FORMAT,
});
