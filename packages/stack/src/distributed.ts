import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { serviceWiring, upstreamSettings } from '@adboard/contracts';
import { gatewayModule } from '@adboard/gateway';
import {
  createTopics,
  databaseUrl,
  ensureDatabase,
  eventTopics,
  loadConfig,
  packageDir,
  type ServiceModule,
} from '@adboard/kit';
import { lockDataDir } from './data-dir-lock.js';
import { startKafkaCluster, type KafkaCluster } from './kafka/cluster.js';
import { reportFailedStart } from './failed-start.js';
import { memorySettings } from './process-memory.js';
import { checkServiceSettings, requireFreePorts } from './preflight.js';
import { waitUntilServing } from './readiness.js';
import { credentialSettings, loadOrCreateSecrets } from './secrets.js';
import { distributedSettings } from './settings.js';
import { stackServices } from './services.js';
import { SupervisedProcess } from './supervisor.js';
import { ensureWebBuild } from './web-build.js';

/**
 * The distributed mode on one machine: every service in its own supervised process, configured
 * only by environment variables, on a real PostgreSQL server (a database per service), real Redis
 * and Apache Kafka (KAFKA_BROKERS, or a 3-node cluster of its own when unset, stopped with the
 * stack), with the gateway, also its own process, in front. What Kubernetes runs, minus Kubernetes.
 */

const root = resolve(packageDir(import.meta.url), '..', '..');
/** Run from dist/ (after `tsc -b`), the children run compiled too, as in production; else under tsx. */
const compiled = import.meta.url.includes('/dist/');
const entryOf = (dir: string) =>
  compiled
    ? [join(root, dir, 'dist', 'src', 'main.js')]
    : ['--import', 'tsx', '--conditions=source', join(root, dir, 'src', 'main.ts')];
/** Each child gets this long to stop; the launcher kills what is left, so the whole stop stays under 5 s. */
const STOP_TIMEOUT_MS = 3_000;

const say = (line: string) => console.log(`[stack] ${line}`);

async function main(): Promise<void> {
  const config = loadConfig(distributedSettings);
  await mkdir(config.STACK_DATA_DIR, { recursive: true });
  const secrets = await loadOrCreateSecrets(config.STACK_DATA_DIR);
  const modules = stackServices.map((entry) => entry.module);
  const portOf = (name: string) =>
    config.STACK_SERVICE_PORT_BASE + modules.findIndex((module) => module.name === name);
  const urlOf = (name: string) => `http://127.0.0.1:${portOf(name)}`;
  const databaseOf = (database: string) => `${config.STACK_DATABASE_PREFIX}_${database}`;
  const common = {
    HOST: '127.0.0.1',
    LOG_LEVEL: config.LOG_LEVEL,
    SHUTDOWN_TIMEOUT_MS: String(STOP_TIMEOUT_MS),
    KAFKA_BROKERS: config.KAFKA_BROKERS ?? '127.0.0.1:9092', // replaced by the own cluster's below
    REDIS_URL: config.REDIS_URL,
    ...serviceWiring(urlOf),
    TRUSTED_PROXIES: '127.0.0.1', // the gateway; services listen on 127.0.0.1 only
    // The pages the gateway lets call the API cross-origin (CORS) may change things at the services.
    ALLOWED_ORIGINS: [process.env.ALLOWED_ORIGINS, process.env.CORS_ALLOWED_ORIGINS]
      .filter(Boolean)
      .join(','),
  };
  const envOf = (module: ServiceModule): Record<string, string> => {
    if (module === gatewayModule)
      return {
        PORT: String(config.GATEWAY_PORT),
        HOST: config.GATEWAY_HOST,
        LOG_LEVEL: config.LOG_LEVEL,
        SHUTDOWN_TIMEOUT_MS: String(STOP_TIMEOUT_MS),
        ...upstreamSettings(urlOf),
      };
    const entry = stackServices.find((candidate) => candidate.module === module)!;
    const database = entry.database;
    return {
      ...common,
      ...credentialSettings(entry.name, secrets),
      PORT: String(portOf(module.name)),
      ...(database ? { DATABASE_URL: databaseUrl(config.DATABASE_SERVER_URL, databaseOf(database)) } : {}),
    };
  };
  const passThrough = (env: Record<string, string>) => ({ ...memorySettings(process.env), ...env });
  checkServiceSettings([...modules, gatewayModule], (module) => passThrough(envOf(module)));

  const gatewayUrl = `http://${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`;
  const publicUrl = gatewayUrl.replace('127.0.0.1', 'localhost');
  const unlock = await lockDataDir(config.STACK_DATA_DIR, 'npm run start:distributed', publicUrl);
  const processes: SupervisedProcess[] = [];
  let kafka: KafkaCluster | undefined;
  let stopping = false;
  const stop = async (why: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    say(`${why}: stopping the distributed stack…`);
    await Promise.all(processes.map((child) => child.stop(STOP_TIMEOUT_MS)));
    await kafka?.stop();
    await unlock();
    console.log(
      exitCode === 0 ? 'adboard (distributed) stopped' : 'adboard (distributed) stopped after a failure',
    );
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop('SIGINT', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));

  try {
    await requireFreePorts([
      {
        port: config.GATEWAY_PORT,
        host: config.GATEWAY_HOST,
        variable: 'GATEWAY_PORT',
        owner: 'the entry point',
      },
      ...modules.map(({ name }) => ({
        port: portOf(name),
        host: '127.0.0.1',
        variable: `STACK_SERVICE_PORT_BASE (services use ${portOf(modules[0]!.name)}–${portOf(modules.at(-1)!.name)})`,
        owner: name,
      })),
    ]);
    await ensureWebBuild(say);
    if (!config.KAFKA_BROKERS) {
      say('starting a 3-node Apache Kafka cluster (KAFKA_BROKERS is not set)…');
      kafka = await startKafkaCluster({ missingHint: 'set KAFKA_BROKERS to an existing cluster' });
      common.KAFKA_BROKERS = kafka.brokers;
      say(`Apache Kafka ${kafka.version} serving at ${kafka.brokers}`);
    }
    // The brokers create no topic on first use: the system's topics are created here if missing.
    await createTopics(common.KAFKA_BROKERS.split(','), eventTopics(config.KAFKA_TOPIC_PREFIX));
    for (const { database } of stackServices)
      if (database) await ensureDatabase(config.DATABASE_SERVER_URL, databaseOf(database));
  } catch (error) {
    await kafka?.stop();
    await unlock();
    throw error;
  }

  const folders = new Map<ServiceModule, string>([
    ...stackServices.map(({ module }): [ServiceModule, string] => [module, module.name]),
    [gatewayModule, 'packages/gateway'],
  ]);
  for (const [module, folder] of folders) {
    const child = new SupervisedProcess(module.name, entryOf(folder), passThrough(envOf(module)), {
      log: say,
      onGiveUp: (_name, reason) => (say(reason), void stop('a service keeps crashing', 1)),
    });
    child.start();
    processes.push(child);
  }
  await waitUntilServing([...modules.map(({ name }) => urlOf(name)), gatewayUrl], Date.now() + 120_000);
  console.log(`\nadboard (distributed) is ready: ${publicUrl}  (Kafka: ${common.KAFKA_BROKERS})\n`);
}

main().catch(reportFailedStart);
