import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  call,
  freePort,
  freePortRun,
  stackUsers,
  startLoad,
  testKafka,
  testServerUrl,
  testTopicPrefix,
  waitFor,
  type StackUser,
} from '@adboard/kit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBooksHold } from './support/books.js';
import {
  alive,
  launchStack,
  LOAD_TEST_LIMITS,
  timeToServe,
  type StackProcess,
} from './support/stack-process.js';

/**
 * `npm run start:distributed` (a supervised process per service, PostgreSQL, Redis, the suite's
 * Kafka cluster with topics of its own) under faults: database connections cut under load (no process may exit), a
 * service killed with SIGKILL (restarted, serving within 5 s of its restart), Ctrl-C under load
 * (everything ends within 5 s).
 */
const redisUrl = process.env.TEST_REDIS_URL;
const kafka = testKafka();
const available = kafka.skip === undefined && redisUrl !== undefined;
if (!available)
  console.warn(
    `[skip] distributed launcher fault tests: they need TEST_REDIS_URL and Kafka${kafka.skip ? ` (${kafka.skip})` : ''}`,
  );

const ANSWERS_UNDER_FAULTS = ['200', '202', '400', '503'];
const SERVICES = ['app-user', 'app-billing', 'app-bonus', 'app-adv', 'app-notify'];
const prefix = `dist_${randomBytes(4).toString('hex')}`;
const databaseOf = (service: string) => `${prefix}_${service.replace('-', '_')}`;

let dataDir: string;
let base: string;
let servicePortBase: number;
let stack: StackProcess;
let users: StackUser[];

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The pids the launcher reported for `service`, in order. */
const pidsOf = (service: string) =>
  [...stack.output().matchAll(new RegExp(`\\[stack\\] ${service} started \\(pid (\\d+)\\)`, 'g'))].map(
    (match) => Number(match[1]),
  );

describe.skipIf(!available)('npm run start:distributed under faults', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'adboard-distributed-'));
    await chmod(dataDir, 0o755);
    const gatewayPort = await freePort();
    base = `http://127.0.0.1:${gatewayPort}`;
    servicePortBase = await freePortRun(6);
    stack = launchStack('start:distributed', {
      ...process.env,
      ...LOAD_TEST_LIMITS,
      DATABASE_SERVER_URL: testServerUrl(),
      STACK_DATABASE_PREFIX: prefix,
      REDIS_URL: redisUrl,
      KAFKA_BROKERS: kafka.brokers?.join(','),
      KAFKA_TOPIC_PREFIX: testTopicPrefix(prefix), // the launcher creates the topics
      GATEWAY_PORT: String(gatewayPort),
      STACK_DATA_DIR: dataDir,
      STACK_SERVICE_PORT_BASE: String(servicePortBase),
      LOG_LEVEL: 'warn',
    });
    console.log(`[faults] distributed: ready in ${await stack.ready} ms`);
    users = await stackUsers(base, 6);
  }, 180_000);

  afterAll(async () => {
    if (stack?.groupAlive()) process.kill(-stack.child.pid!, 'SIGKILL');
    await admin(async (client) => {
      for (const service of SERVICES)
        await client.query(`DROP DATABASE IF EXISTS ${databaseOf(service)} WITH (FORCE)`);
    });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('survives every service losing its database connections under load: no process exits', async () => {
    const load = startLoad(base, users);
    let cut = 0;
    for (const service of SERVICES) {
      const before = load.report.requests;
      await waitFor(() => load.report.requests >= before + 30, { timeoutMs: 20_000, what: 'load' });
      cut += await admin(
        async (client) =>
          (
            await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
              databaseOf(service),
            ])
          ).rowCount ?? 0,
      );
      const ms = await timeToServe(base, users[0]!);
      console.log(`[faults] distributed: connections of ${service} cut; serving again after ${ms} ms`);
    }
    const report = await load.stop();
    console.log(`[faults] distributed, connections cut: ${cut}; answers ${JSON.stringify(report.statuses)}`);
    expect(cut).toBeGreaterThan(SERVICES.length);
    expect(stack.output()).not.toContain('exited unexpectedly');
    expect(Object.keys(report.statuses).filter((status) => !ANSWERS_UNDER_FAULTS.includes(status))).toEqual(
      [],
    );
    const books = await expectBooksHold(testServerUrl(), {
      billing: databaseOf('app-billing'),
      bonus: databaseOf('app-bonus'),
      adv: databaseOf('app-adv'),
    });
    console.log(`[faults] distributed: books hold over ${books} purchases`);
  });

  it('restarts a service killed with SIGKILL; it serves within 5 s of its restart', async () => {
    const [killed] = pidsOf('app-billing');
    process.kill(killed!, 'SIGKILL');
    const restarted = await waitFor(() => pidsOf('app-billing')[1], {
      timeoutMs: 10_000,
      what: 'the launcher to restart app-billing',
    });
    const since = Date.now();
    const billing = `http://127.0.0.1:${servicePortBase + 2}`;
    await waitFor(async () => (await call(billing, 'GET', '/ready')).status === 200, {
      timeoutMs: 5_000,
      intervalMs: 50,
      what: 'the restarted app-billing to be ready',
    });
    const ms = Date.now() - since;
    console.log(
      `[faults] distributed: app-billing restarted (pid ${killed} → ${restarted}); ready after ${ms} ms`,
    );
    expect(stack.output()).toMatch(/app-billing exited unexpectedly \(killed by SIGKILL/);
    expect(await timeToServe(base, users[0]!)).toBeLessThan(5_000);
  });

  it('starts every service and the gateway with glibc’s mmap threshold fixed (process-memory.ts)', () => {
    for (const name of SERVICES.concat('app-auth', 'gateway')) {
      const environ = readFileSync(`/proc/${pidsOf(name).at(-1)}/environ`, 'utf8').split('\0');
      expect(environ, name).toContain('MALLOC_MMAP_THRESHOLD_=131072');
    }
  });

  it('stops within 5 s of Ctrl-C under load, leaving nothing running', async () => {
    const children = SERVICES.concat('app-auth', 'gateway').flatMap(pidsOf);
    const load = startLoad(base, users);
    await waitFor(() => load.report.requests >= 60, { timeoutMs: 20_000, what: 'load' });
    const interrupted = Date.now();
    stack.interrupt();
    await stack.exited;
    await waitFor(() => !stack.groupAlive() && !children.some(alive), {
      timeoutMs: 10_000,
      what: 'every process of the stack to end',
    });
    const ms = Date.now() - interrupted;
    await load.stop();
    console.log(`[faults] distributed: stopped ${ms} ms after Ctrl-C under load`);
    expect(stack.output()).toContain('adboard (distributed) stopped');
    expect(ms).toBeLessThan(5_000);
  });
});
