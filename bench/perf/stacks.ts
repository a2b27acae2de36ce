import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freePortRun } from '@adboard/kit/testing';

export const root = join(import.meta.dirname, '..', '..');

export interface BenchStack {
  mode: 'embedded' | 'distributed';
  base: string;
  /** The process that started the system: every process of it descends from this one. */
  rootPid: number;
  /** A service's own URL (no entry point). */
  serviceUrl(name: string): string;
  /** The processes that run the system, by name (the embedded mode is one process). */
  processes(): Record<string, number>;
  /** PostgreSQL server URL where the services' databases live. */
  databaseServer: string;
  databaseOf(service: string): string;
  stop(): Promise<void>;
}

const SERVICES = ['app-auth', 'app-user', 'app-billing', 'app-bonus', 'app-adv', 'app-notify'];

/** Starts the system from compiled JavaScript (`tsc -b` first), as production runs it. */
export async function startBenchStack(
  mode: 'embedded' | 'distributed',
  settings: { databaseServer: string; redisUrl: string },
): Promise<BenchStack> {
  const dataDir = await mkdtemp(join(tmpdir(), `adboard-bench-${mode}-`));
  const gatewayPort = await freePort();
  const postgresPort = await freePort();
  const portBase = await freePortRun(6);
  const prefix = `bench_${Date.now().toString(36)}`;
  const env = {
    // A benchmark is one client sending what many would: the per-person rate limits stay out of it.
    MONEY_LIMIT_PER_USER: '100000000',
    REGISTRATION_LIMIT_PER_ADDRESS: '100000000',
    LOGIN_LIMIT_PER_ADDRESS: '100000000',
    BOARD_LIMIT_PER_ADDRESS: '100000000',
    ...process.env,
    GATEWAY_PORT: String(gatewayPort),
    STACK_DATA_DIR: dataDir,
    STACK_POSTGRES_PORT: String(postgresPort),
    STACK_SERVICE_PORT_BASE: String(portBase),
    STACK_DATABASE_PREFIX: prefix,
    DATABASE_SERVER_URL: settings.databaseServer,
    REDIS_URL: settings.redisUrl,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const entry = join(
    root,
    'packages',
    'stack',
    'dist',
    'src',
    mode === 'embedded' ? 'main.js' : 'distributed.js',
  );
  // BENCH_PROFILE=<dir>: the embedded process writes a V8 CPU profile there as it stops (Node refuses
  // --cpu-prof in NODE_OPTIONS, so the distributed mode's children are not profiled this way).
  const profile =
    mode === 'embedded' && process.env.BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
      : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, entry], {
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => output.includes('is ready') && (clearInterval(timer), resolve()), 100);
    child.once(
      'exit',
      (code) => (clearInterval(timer), reject(new Error(`${mode} stack exited (${code}):\n${output}`))),
    );
  });
  const databaseServer =
    mode === 'embedded' ? `postgres://postgres@127.0.0.1:${postgresPort}/postgres` : settings.databaseServer;
  return {
    mode,
    base: `http://127.0.0.1:${gatewayPort}`,
    rootPid: child.pid!,
    serviceUrl: (name) => `http://127.0.0.1:${portBase + SERVICES.indexOf(name)}`,
    processes: () =>
      mode === 'embedded'
        ? { 'embedded (all six + gateway)': child.pid! }
        : Object.fromEntries(
            [...output.matchAll(/\[stack\] ([\w-]+) started \(pid (\d+)\)/g)].map((match) => [
              match[1]!,
              Number(match[2]),
            ]),
          ),
    databaseServer,
    databaseOf: (service) => (mode === 'embedded' ? service : `${prefix}_${service}`).replace('-', '_'),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGINT');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
