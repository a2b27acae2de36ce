import type { Static, TObject } from '@sinclair/typebox';
import { ConfigError, loadConfig } from './config.js';
import { Database } from './db/database.js';
import { KafkaEventBus } from './events/kafka-bus.js';
import type { EventBus } from './events/types.js';
import { RedisKeyValueStore } from './kv/redis-store.js';
import type { KeyValueStore } from './kv/types.js';
import { createLogger, type Logger } from './logger.js';
import type { Service } from './service.js';
import { startTracing } from './tracing.js';

/** The adapters a service is built on; each is present when the service's configuration asks for it. */
export interface Ports {
  logger: Logger;
  db?: Database;
  bus?: EventBus;
  kv?: KeyValueStore;
}

/** A service as the launchers see it: its name, its configuration schema, and how to build it on ports. */
export interface ServiceModule<S extends TObject = TObject> {
  name: string;
  configSchema: S;
  create(config: Static<S>, ports: Ports): Promise<Service>;
}

/** The port a service cannot run without, or a configuration error naming the variable that provides it. */
export function requirePort<K extends 'db' | 'bus' | 'kv'>(
  ports: Ports,
  port: K,
  variable: string,
): NonNullable<Ports[K]> {
  const adapter = ports[port];
  if (!adapter) throw new ConfigError(`Invalid configuration: ${variable} is required`);
  return adapter as NonNullable<Ports[K]>;
}

interface DistributedSettings {
  PORT: number;
  HOST: string;
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
  REUSE_PORT: boolean;
  DATABASE_URL?: string;
  KAFKA_BROKERS?: string;
  KAFKA_TOPIC_PREFIX?: string;
  REDIS_URL?: string;
}

/**
 * The process entry of one service in the distributed mode: configuration from the environment,
 * real adapters (PostgreSQL, Kafka, Redis) for what the configuration names, SIGTERM/SIGINT for a
 * graceful stop. `main.js migrate` only applies the migrations (for an init container or Job).
 */
export async function runServiceMain<S extends TObject>(
  module: ServiceModule<S>,
  argv = process.argv.slice(2),
): Promise<void> {
  const { name, configSchema: schema } = module;
  let logger = createLogger(name);
  try {
    const config = loadConfig(schema) as Static<S> & DistributedSettings;
    logger = createLogger(name, config.LOG_LEVEL);
    const tracing = startTracing(name);
    const ports: Ports = { logger };
    if (config.DATABASE_URL)
      ports.db = new Database({ url: config.DATABASE_URL, applicationName: name, logger });
    if (config.KAFKA_BROKERS) {
      ports.bus = new KafkaEventBus({
        brokers: config.KAFKA_BROKERS.split(','),
        clientId: name,
        logger,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
      });
    }
    if (config.REDIS_URL) ports.kv = new RedisKeyValueStore(config.REDIS_URL, `${name}:`, logger);
    const closePorts = async () => {
      await ports.bus?.close();
      await ports.kv?.close();
      await ports.db?.close();
      await tracing?.shutdown();
    };
    const service = await module.create(config, ports);
    if (argv[0] === 'migrate') {
      await service.migrate();
      await closePorts();
      return;
    }
    await service.start(config.PORT, config.HOST, { reusePort: config.REUSE_PORT });
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      setTimeout(() => {
        logger.error('shutdown took too long; exiting');
        process.exit(1);
      }, config.SHUTDOWN_TIMEOUT_MS).unref();
      await service.stop(config.SHUTDOWN_TIMEOUT_MS * 0.8);
      await closePorts();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  }
}
