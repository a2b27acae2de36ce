import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { serviceWiring, type ServiceName } from '@adboard/contracts';
import { createGateway, type Gateway } from '@adboard/gateway';
import {
  createLogger,
  Database,
  InMemoryEventBus,
  InMemoryKeyValueStore,
  listOf,
  loadConfig,
  type Service,
} from '@adboard/kit';
import { lockDataDir } from './data-dir-lock.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { checkServiceSettings, requireFreePorts } from './preflight.js';
import { credentialSettings, loadOrCreateSecrets } from './secrets.js';
import { stackServices } from './services.js';
import { ensureWebBuild, webBuildDir } from './web-build.js';

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
  /** Stops everything, PostgreSQL included, within about STOP_TIMEOUT_MS whatever the load. */
  stop(): Promise<void>;
}

const ADAPTER_VARIABLES = ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'PORT', 'HOST'];

/** The whole stop, PostgreSQL included, stays under 5 s: requests still running after this are cut. */
const STOP_TIMEOUT_MS = 3_000;

/**
 * The embedded mode: one process, real PostgreSQL binaries, in-process sessions and event bus,
 * every service on its own HTTP port talking to the others over HTTP, and the gateway in front.
 * Everything is checked before anything starts (settings, free ports, no other stack on the data
 * folder); whatever fails half-way is stopped again before the error is reported.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const secrets = await loadOrCreateSecrets(dataDir);
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
    ...serviceWiring(urlOf),
    // Services listen on 127.0.0.1 only, behind the entry point: the X-Forwarded-For it sets names
    // the real client, so per-address limits count each client, not the entry point.
    TRUSTED_PROXIES: '127.0.0.1',
    SHUTDOWN_TIMEOUT_MS: String(STOP_TIMEOUT_MS),
  };
  const settingsOf = (index: number) => ({
    ...wiring,
    ...credentialSettings(stackServices[index]!.name, secrets),
    PORT: String(portOf(index)),
  });
  checkServiceSettings(
    stackServices.map((entry) => entry.module),
    (module) => settingsOf(stackServices.findIndex((entry) => entry.module === module)),
  );

  const gatewayUrl = `http://${options.host}:${options.gatewayPort}`;
  const unlock = await lockDataDir(dataDir, 'npm start', gatewayUrl.replace('127.0.0.1', 'localhost'));
  const log = createLogger('stack', options.logLevel);
  const postgres = new EmbeddedPostgres({
    dataDir: resolve(dataDir, 'postgres'),
    port: options.postgresPort,
    log: (line) => log.info(line),
  });
  try {
    await postgres.stopOrphan(); // ours (we hold the lock), so its port is about to be free
    await requireFreePorts([
      { port: options.gatewayPort, host: options.host, variable: 'GATEWAY_PORT', owner: 'the entry point' },
      { port: options.postgresPort, host: '127.0.0.1', variable: 'STACK_POSTGRES_PORT', owner: 'PostgreSQL' },
      ...stackServices.map(({ module }, index) => ({
        port: portOf(index),
        host: '127.0.0.1',
        variable: `STACK_SERVICE_PORT_BASE (services use ${portOf(0)}–${portOf(stackServices.length - 1)})`,
        owner: module.name,
      })),
    ]);
  } catch (error) {
    await unlock();
    throw error;
  }

  const bus = new InMemoryEventBus();
  const kv = new InMemoryKeyValueStore();
  const databases: Database[] = [];
  const services: Service[] = [];
  let gateway: Gateway | undefined;

  const stop = async () => {
    await gateway?.stop(STOP_TIMEOUT_MS / 3);
    // The services stop together: what one still needs from another (a saga's call) is retried
    // from its stored state on the next start.
    await Promise.all(services.map((service) => service.stop(STOP_TIMEOUT_MS)));
    await bus.close();
    await kv.close();
    await Promise.all(databases.map((db) => db.close()));
    await postgres.stop();
    await unlock();
  };

  try {
    await ensureWebBuild((line) => log.info(line));
    await postgres.start();
    for (const [index, { module, database }] of stackServices.entries()) {
      const logger = createLogger(module.name, options.logLevel);
      const db = database
        ? new Database({ url: await postgres.ensureDatabase(database), applicationName: module.name, logger })
        : undefined;
      if (db) databases.push(db);
      const config = loadConfig(module.configSchema, settingsOf(index));
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
      allowedOrigins: listOf(options.env?.ALLOWED_ORIGINS ?? ''),
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
