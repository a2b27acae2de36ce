import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, ensureDatabase, loadConfig, packageDir, Type, UrlSetting } from '@adboard/kit';
import { startMockKafka, type MockKafka } from '@adboard/kit/testing';
import { loadOrCreateSecrets } from './secrets.js';
import { ensureWebBuild } from './web-build.js';

/**
 * The distributed mode on one machine: every service in its own process, configured only by
 * environment variables, on a real PostgreSQL server (a database per service), real Redis and a
 * Kafka-protocol broker (KAFKA_BROKERS, or librdkafka's mock cluster through `kcat` when unset),
 * with the gateway, also its own process, in front. What Kubernetes runs, minus Kubernetes.
 */
const settings = Type.Object({
  DATABASE_SERVER_URL: UrlSetting('a PostgreSQL server; databases adboard_<service> are created on it'),
  REDIS_URL: UrlSetting('Redis for app-auth sessions'),
  KAFKA_BROKERS: Type.Optional(Type.String()),
  GATEWAY_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  GATEWAY_HOST: Type.String({ default: '127.0.0.1' }),
  STACK_SERVICE_PORT_BASE: Type.Integer({ minimum: 1, maximum: 65500, default: 8081 }),
  STACK_DATA_DIR: Type.String({ default: resolve(packageDir(import.meta.url), '..', '..', '.data') }),
  LOG_LEVEL: Type.String({ default: 'info' }),
});

const root = resolve(packageDir(import.meta.url), '..', '..');
const services = ['app-auth', 'app-user', 'app-billing', 'app-bonus', 'app-adv', 'app-notify'] as const;
const withDatabase = new Set(['app-user', 'app-billing', 'app-bonus', 'app-adv', 'app-notify']);

function launch(name: string, entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited unexpectedly (${signal ?? code})`);
  });
  return child;
}

async function ready(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} was not ready in time`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let stopping = false;

async function main(): Promise<void> {
  const config = loadConfig(settings);
  await ensureWebBuild((line) => console.log(line));
  await mkdir(config.STACK_DATA_DIR, { recursive: true });
  const secrets = await loadOrCreateSecrets(config.STACK_DATA_DIR);
  let kafka: MockKafka | undefined;
  const brokers = config.KAFKA_BROKERS ?? (kafka = await startMockKafka()).brokers;
  const urlOf = (name: string) =>
    `http://127.0.0.1:${config.STACK_SERVICE_PORT_BASE + services.indexOf(name as never)}`;
  const common = {
    HOST: '127.0.0.1',
    LOG_LEVEL: config.LOG_LEVEL,
    SERVICE_SECRET: secrets.serviceSecret,
    AUTH_JWKS_URL: `${urlOf('app-auth')}/.well-known/jwks.json`,
    KAFKA_BROKERS: brokers,
    REDIS_URL: config.REDIS_URL,
    AUTH_PRIVATE_KEY: secrets.authPrivateKey,
    USER_SERVICE_URL: urlOf('app-user'),
    BILLING_SERVICE_URL: urlOf('app-billing'),
    BONUS_SERVICE_URL: urlOf('app-bonus'),
  };
  const children: ChildProcess[] = [];
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the distributed stack…`);
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) =>
            child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGTERM')),
          ),
      ),
    );
    await kafka?.stop();
    console.log('adboard (distributed) stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  for (const name of services) {
    const env: Record<string, string> = { ...common, PORT: String(new URL(urlOf(name)).port) };
    if (withDatabase.has(name))
      env.DATABASE_URL = await ensureDatabase(
        config.DATABASE_SERVER_URL,
        `adboard_${name.replace('-', '_')}`,
      );
    children.push(launch(name, `${name}/src/main.ts`, env));
  }
  const gatewayUrl = `http://${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`;
  children.push(
    launch('gateway', 'packages/gateway/src/main.ts', {
      PORT: String(config.GATEWAY_PORT),
      HOST: config.GATEWAY_HOST,
      LOG_LEVEL: config.LOG_LEVEL,
      ...Object.fromEntries(
        services.map((name) => [`${name.replace('-', '_').toUpperCase()}_URL`, urlOf(name)]),
      ),
    }),
  );
  const deadline = Date.now() + 90_000;
  await Promise.all([...services.map((name) => ready(urlOf(name), deadline)), ready(gatewayUrl, deadline)]);
  console.log(
    `\nadboard (distributed) is ready: ${gatewayUrl.replace('127.0.0.1', 'localhost')}  (Kafka: ${brokers})\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
