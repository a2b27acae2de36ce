import type { Static, TObject } from '@sinclair/typebox';
import { ServiceCredentials } from '../auth/service-credentials.js';
import { loadConfig } from '../config.js';
import { InMemoryEventBus } from '../events/memory-bus.js';
import { createLogger } from '../logger.js';
import type { Ports, ServiceModule } from '../main.js';
import type { Service } from '../service.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export const TEST_SERVICE_SECRET = 'test-service-secret-of-at-least-32-characters';

export interface TestService {
  url: string;
  service: Service;
  database?: TestDatabase;
  ports: Ports;
  /** A service credential as `caller` would send it to this service. */
  serviceToken(caller: string): Promise<string>;
  stop(): Promise<void>;
}

export interface TestServiceOptions {
  env?: Record<string, string>;
  ports?: Omit<Partial<Ports>, 'logger'>;
  database?: boolean;
  port?: number;
}

/**
 * Starts a service the way the launchers do — configuration through its schema, real HTTP on a
 * free port — on a fresh test database and the in-process bus unless other ports are given.
 */
export async function startTestService<S extends TObject>(
  module: ServiceModule<S>,
  options: TestServiceOptions = {},
): Promise<TestService> {
  const database = options.database === false ? undefined : await createTestDatabase();
  const ownBus = options.ports?.bus ? undefined : new InMemoryEventBus();
  const ports: Ports = {
    logger: createLogger(module.name, process.env.TEST_LOG_LEVEL ?? 'silent'),
    ...(database ? { db: database.db } : {}),
    ...(ownBus ? { bus: ownBus } : {}),
    ...options.ports,
  };
  const config = loadConfig(module.configSchema, {
    SERVICE_SECRET: TEST_SERVICE_SECRET,
    ...options.env,
  }) as Static<S>;
  const service = await module.create(config, ports);
  const url = await service.start(options.port ?? 0, '127.0.0.1');
  return {
    url,
    service,
    ...(database ? { database } : {}),
    ports,
    serviceToken: (caller) => new ServiceCredentials(caller, TEST_SERVICE_SECRET).tokenFor(module.name),
    stop: async () => {
      await service.stop();
      await ownBus?.close();
      await database?.drop();
    },
  };
}
