import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freePortRun, stackUsers, startLoad, waitFor, type StackUser } from '@adboard/kit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from '../src/embedded-postgres.js';
import { expectBooksHold } from './support/books.js';
import {
  alive,
  launchStack,
  LOAD_TEST_LIMITS,
  timeToServe,
  type StackProcess,
} from './support/stack-process.js';

/**
 * `npm start` under the faults an operator meets: every service's database connections cut
 * during load, PostgreSQL stopped and started again during load, and Ctrl-C right after load.
 * No process may exit, no request may get a 500, the books must hold, and the stack must serve
 * again within 5 s and stop within 5 s.
 */
const ANSWERS_UNDER_FAULTS = ['200', '202', '400', '503'];
const DATABASES = ['app_user', 'app_billing', 'app_bonus', 'app_adv', 'app_notify'];

let dataDir: string;
let postgresPort: number;
let server: string;
let base: string;
let stack: StackProcess;
let users: StackUser[];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'adboard-faults-'));
  await chmod(dataDir, 0o755);
  postgresPort = await freePort();
  server = `postgres://postgres@127.0.0.1:${postgresPort}/postgres`;
  const gatewayPort = await freePort();
  base = `http://127.0.0.1:${gatewayPort}`;
  stack = launchStack('start', {
    ...process.env,
    ...LOAD_TEST_LIMITS,
    GATEWAY_PORT: String(gatewayPort),
    STACK_DATA_DIR: dataDir,
    STACK_POSTGRES_PORT: String(postgresPort),
    STACK_SERVICE_PORT_BASE: String(await freePortRun(6)),
    LOG_LEVEL: 'warn',
  });
  await stack.ready;
  users = await stackUsers(base, 6);
}, 120_000);

afterAll(async () => {
  if (stack?.groupAlive()) process.kill(-stack.child.pid!, 'SIGKILL');
  await new EmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: postgresPort })
    .stop()
    .catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
});

const books = () => expectBooksHold(server, { billing: 'app_billing', bonus: 'app_bonus', adv: 'app_adv' });

async function cutConnections(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    const { rowCount } = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe('npm start under faults', { timeout: 240_000 }, () => {
  it('survives every service losing its database connections under load', async () => {
    const load = startLoad(base, users);
    let cut = 0;
    for (const database of DATABASES) {
      const before = load.report.requests;
      await waitFor(() => load.report.requests >= before + 30, { timeoutMs: 20_000, what: 'load' });
      cut += await cutConnections(database);
      const ms = await timeToServe(base, users[0]!);
      console.log(`[faults] embedded: connections of ${database} cut; serving again after ${ms} ms`);
    }
    const report = await load.stop();
    console.log(`[faults] embedded, connections cut: ${cut}; answers ${JSON.stringify(report.statuses)}`);
    expect(cut).toBeGreaterThan(DATABASES.length);
    expect(stack.child.exitCode).toBeNull();
    expect(Object.keys(report.statuses).filter((status) => !ANSWERS_UNDER_FAULTS.includes(status))).toEqual(
      [],
    );
    expect(report.statuses['200']).toBeGreaterThan(100);
    console.log(`[faults] embedded: books hold over ${await books()} purchases`);
  });

  it('rides out PostgreSQL stopping and starting again under load', async () => {
    const postgres = new EmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: postgresPort });
    const load = startLoad(base, users);
    await waitFor(() => load.report.requests >= 30, { timeoutMs: 20_000, what: 'load' });
    await postgres.stop();
    const unavailable = load.report.statuses['503'] ?? 0;
    await waitFor(() => (load.report.statuses['503'] ?? 0) > unavailable + 5, {
      timeoutMs: 20_000,
      what: 'requests answered 503 while PostgreSQL is down',
    });
    await postgres.start();
    const ms = await timeToServe(base, users[0]!);
    console.log(`[faults] embedded: PostgreSQL back; serving again after ${ms} ms`);
    const report = await load.stop();
    console.log(`[faults] embedded, PostgreSQL restarted: answers ${JSON.stringify(report.statuses)}`);
    expect(stack.child.exitCode).toBeNull();
    expect(Object.keys(report.statuses).filter((status) => !ANSWERS_UNDER_FAULTS.includes(status))).toEqual(
      [],
    );
    console.log(`[faults] embedded: books hold over ${await books()} purchases`);
  });

  it('stops within 5 s of Ctrl-C under load, PostgreSQL included', async () => {
    const postmaster = Number(
      (await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    const load = startLoad(base, users);
    await waitFor(() => load.report.requests >= 60, { timeoutMs: 20_000, what: 'load' });
    const interrupted = Date.now();
    stack.interrupt();
    const ended = await stack.exited;
    await waitFor(() => !stack.groupAlive() && !alive(postmaster), {
      timeoutMs: 10_000,
      what: 'every process of the stack to end',
    });
    const ms = Date.now() - interrupted;
    await load.stop();
    console.log(`[faults] embedded: stopped ${ms} ms after Ctrl-C under load`);
    expect([0, 'SIGINT']).toContain(ended);
    expect(stack.output()).toContain('adboard stopped');
    expect(ms).toBeLessThan(5_000);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'stack.lock'))).toBe(false);
  });
});
