import { isServiceName, type ServiceName } from '@adboard/contracts';
import type { Static, TObject } from '@sinclair/typebox';
import { generateSigningKey, serviceKeySettings } from '../auth/keys.js';
import { ServiceCredentials } from '../auth/service-credentials.js';
import { loadConfig } from '../config.js';
import { InMemoryEventBus } from '../events/memory-bus.js';
import { createLogger } from '../logger.js';
import type { Ports, ServiceModule } from '../main.js';
import type { Service } from '../service.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

const testKeys = new Map<ServiceName, string>();

/** Each service's signing key in this test process (made on first use), as a launcher would give it. */
export function testSigningKey(service: ServiceName): string {
  if (!testKeys.has(service)) testKeys.set(service, generateSigningKey());
  return testKeys.get(service)!;
}

/** The credential settings `service` gets in tests: see `serviceKeySettings`. */
export const testKeySettings = (service: ServiceName) => serviceKeySettings(service, testSigningKey);

/** A service credential as `caller` (holding its test key) would send it to `callee`. */
export function testServiceToken(caller: ServiceName, callee: string): Promise<string> {
  return new ServiceCredentials(caller, { signingKey: testSigningKey(caller) }).tokenFor(callee);
}

export interface TestService {
  url: string;
  service: Service;
  database?: TestDatabase;
  ports: Ports;
  /** A service credential as `caller` would send it to this service. */
  serviceToken(caller: ServiceName): Promise<string>;
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
    ...(isServiceName(module.name) ? testKeySettings(module.name) : {}),
    ...options.env,
  }) as Static<S>;
  const service = await module.create(config, ports);
  const url = await service.start(options.port ?? 0, '127.0.0.1');
  return {
    url,
    service,
    ...(database ? { database } : {}),
    ports,
    serviceToken: (caller) => testServiceToken(caller, module.name),
    stop: async () => {
      await service.stop();
      await ownBus?.close();
      await database?.drop();
    },
  };
}
