import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { billingService } from '@adboard/app-billing';
import { currentTrace } from '@adboard/kit';
import { call, startTestAuthority, startTestService, userWithAccount } from '@adboard/kit/testing';
import pg from 'pg';
import { countCpu, cpuPerRequestUs } from './cpu.js';

const run = promisify(execFile);

interface Statement {
  text: string;
  values: unknown[];
}

export interface SqlFloor {
  operation: string;
  statements: number;
  transactionsPerSecond: number;
  averageLatencyMs: number;
  /** PostgreSQL's and pgbench's CPU time per transaction. */
  cpuPerTransactionUs: Record<string, number>;
}

/** Records every statement pg sends while `work` runs, in this process. */
async function capture(work: () => Promise<unknown>): Promise<Statement[]> {
  const recorded: Statement[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (
    this: pg.Client,
    config: unknown,
    values?: unknown,
    ...rest: unknown[]
  ) {
    const text = typeof config === 'string' ? config : (config as { text?: string })?.text;
    const params = Array.isArray(values) ? values : ((config as { values?: unknown[] })?.values ?? []);
    if (text && currentTrace()?.requestId) recorded.push({ text, values: params }); // the request's own, not a worker's
    return (original as (...args: unknown[]) => unknown).call(this, config, values, ...rest);
  } as typeof original;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = original;
  }
  return recorded;
}

const literal = (value: unknown) =>
  value === null || value === undefined
    ? 'NULL'
    : `'${(typeof value === 'object' ? JSON.stringify(value) : String(value)).replaceAll("'", "''")}'`;

/**
 * A pgbench script replaying `statements` as one transaction: the user becomes a random one of
 * `users` accounts and the idempotency key a fresh random one, every other value stays as it was.
 */
function pgbenchScript(statements: Statement[], userId: number, key: string, users: number): string {
  const lines = [`\\set uid random(1, ${users})`, '\\set key random(1, 9000000000000000000)'];
  for (const { text, values } of statements) {
    const sql = text.replace(/\$(\d+)/g, (_, index: string) => {
      const value = values[Number(index) - 1];
      if (value === userId || value === String(userId)) return ':uid';
      if (value === key) return "('k' || :key)";
      return literal(value);
    });
    lines.push(`${sql.replace(/\s+/g, ' ').trim()};`);
  }
  return `${lines.join('\n')}\n`;
}

async function pgbench(url: string, script: string, seconds: number, clients: number) {
  const file = join(tmpdir(), `adboard-floor-${process.pid}-${Date.now()}.sql`);
  await writeFile(file, script);
  const cpuSince = countCpu(process.pid);
  const { stdout } = await run('pgbench', [
    '-n',
    // Prepared statements, as the services send them (kit's Database prepares each statement once per connection).
    '-M',
    'prepared',
    '-c',
    String(clients),
    '-j',
    '2',
    '-T',
    String(seconds),
    '-f',
    file,
    url,
  ]);
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
  const latency = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1]);
  return { tps, latency, cpu: cpuPerRequestUs(cpuSince(), tps) };
}

/**
 * The floor under the top-up and the authenticated read: the exact statements app-billing issues
 * for each (captured from a real request through its code path), replayed by pgbench against the
 * same PostgreSQL server at the same concurrency, with nothing but PostgreSQL in the way.
 */
export async function measureSqlFloors(
  server: string,
  seconds: number,
  clients: number,
): Promise<SqlFloor[]> {
  process.env.TEST_DATABASE_URL = server;
  const authority = await startTestAuthority();
  const billing = await startTestService(billingService, { env: { AUTH_JWKS_URL: authority.jwksUrl } });
  try {
    const user = await userWithAccount(billing, authority, '/api/v1/account');
    const headers = { 'x-auth-token': user.token };
    const users = 1000;
    await billing.database!.db.query(
      'INSERT INTO accounts (user_id) SELECT generate_series(1, $1::int) ON CONFLICT DO NOTHING',
      [users],
    );
    const key = `floor-${Date.now()}`;
    const topUp = await capture(() =>
      call(billing.url, 'PUT', `/api/v1/account/top-up/${user.id}`, {
        body: { sum: 100 },
        headers: { ...headers, 'x-idempotency-key': key },
      }),
    );
    const read = await capture(() => call(billing.url, 'GET', `/api/v1/account/${user.id}`, { headers }));
    const floors: SqlFloor[] = [];
    for (const [operation, statements] of [
      ['top-up', topUp],
      ['authenticated read', read],
    ] as const) {
      const figures = await pgbench(
        billing.database!.url,
        pgbenchScript(statements, user.id, key, users),
        seconds,
        clients,
      );
      floors.push({
        operation,
        statements: statements.length,
        transactionsPerSecond: Math.round(figures.tps),
        averageLatencyMs: figures.latency,
        cpuPerTransactionUs: figures.cpu,
      });
    }
    return floors;
  } finally {
    await billing.stop();
    await authority.close();
  }
}
