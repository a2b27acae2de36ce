import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createGateway, type Gateway, type ServiceName } from '@adboard/gateway';
import {
  createLogger,
  Database,
  InMemoryEventBus,
  InMemoryKeyValueStore,
  loadConfig,
  type Service,
} from '@adboard/kit';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { loadOrCreateSecrets } from './secrets.js';
import { stackServices } from './services.js';
import { webBuildDir } from './web-build.js';

export interface StackOptions {
  dataDir: string;
  gatewayPort: number;
  host: string;
  postgresPort: number;
  /** The first of the ports the services listen on (127.0.0.1 only), one each. */
  servicePortBase: number;
  logLevel: string;
  /** Extra settings for the services (e.g. LOGIN_LIMIT_PER_USERNAME); wiring set by the stack wins. */
  env?: Record<string, string | undefined>;
}

export interface RunningStack {
  url: string;
  serviceUrls: Record<string, string>;
  stop(): Promise<void>;
}

const ADAPTER_VARIABLES = ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'PORT', 'HOST'];

/**
 * The embedded mode: one process, real PostgreSQL binaries, in-process sessions and event bus,
 * every service on its own HTTP port talking to the others over HTTP, and the gateway in front.
 * Whatever fails half-way is stopped again before the error is reported.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const log = createLogger('stack', options.logLevel);
  const secrets = await loadOrCreateSecrets(dataDir);
  const postgres = new EmbeddedPostgres({
    dataDir: resolve(dataDir, 'postgres'),
    port: options.postgresPort,
    log: (line) => log.info(line),
  });
  const bus = new InMemoryEventBus();
  const kv = new InMemoryKeyValueStore();
  const databases: Database[] = [];
  const services: Service[] = [];
  let gateway: Gateway | undefined;

  const stop = async () => {
    await gateway?.stop();
    for (const service of [...services].reverse()) await service.stop();
    await bus.close();
    await kv.close();
    for (const db of databases) await db.close();
    await postgres.stop();
  };

  try {
    await postgres.start();
    const portOf = (index: number) => options.servicePortBase + index;
    const urlOf = (name: string) =>
      `http://127.0.0.1:${portOf(stackServices.findIndex((entry) => entry.module.name === name))}`;
    const passThrough = Object.fromEntries(
      Object.entries(options.env ?? {}).filter(([name]) => !ADAPTER_VARIABLES.includes(name)),
    );
    const wiring = {
      ...passThrough,
      HOST: '127.0.0.1',
      LOG_LEVEL: options.logLevel,
      SERVICE_SECRET: secrets.serviceSecret,
      AUTH_PRIVATE_KEY: secrets.authPrivateKey,
      AUTH_JWKS_URL: `${urlOf('app-auth')}/.well-known/jwks.json`,
      USER_SERVICE_URL: urlOf('app-user'),
      BILLING_SERVICE_URL: urlOf('app-billing'),
      BONUS_SERVICE_URL: urlOf('app-bonus'),
      TRUST_PROXY_HOPS: '1',
    };
    for (const [index, { module, database }] of stackServices.entries()) {
      const logger = createLogger(module.name, options.logLevel);
      const db = database
        ? new Database({ url: await postgres.ensureDatabase(database), applicationName: module.name })
        : undefined;
      if (db) databases.push(db);
      const config = loadConfig(module.configSchema, { ...wiring, PORT: String(portOf(index)) });
      const service = await module.create(config, { logger, bus, kv, ...(db ? { db } : {}) });
      await service.start(portOf(index), '127.0.0.1');
      services.push(service);
    }
    const upstreams = Object.fromEntries(
      stackServices.map(({ module }) => [module.name, urlOf(module.name)]),
    );
    gateway = await createGateway({
      upstreams: upstreams as Partial<Record<ServiceName, string>>,
      logger: createLogger('gateway', options.logLevel),
      webRoot: webBuildDir,
    });
    const url = await gateway.start(options.gatewayPort, options.host);
    return { url, serviceUrls: upstreams, stop };
  } catch (error) {
    await stop().catch((stopError) =>
      log.error({ err: stopError }, 'cleaning up after a failed start failed too'),
    );
    throw error;
  }
}
