/**
 * `npm run bench`: the system as production runs it (compiled JavaScript, both run modes) under a
 * real HTTP load generator, against the floor measured in the same run: pgbench replaying the
 * exact SQL of each operation on the same PostgreSQL. Prints one table and writes the figures to
 * bench/results/latest.json. Figures, not pass/fail: these machines are shared and noisy.
 *
 *   npm run bench                       # both modes, 10 s per path
 *   BENCH_SECONDS=5 BENCH_MODES=embedded npm run bench
 *   BENCH_PATHS=purchase BENCH_PROFILE=/tmp/prof npm run bench   # only matching paths; CPU profiles
 *
 * Exits 1 when a request failed or an event benchmark did not finish: such figures mean nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, stackUsers, type StackUser } from '@adboard/kit/testing';
import pg from 'pg';
import { countCpu, cpuPerRequestUs, type CpuShares } from './cpu.js';
import { freshKey, measure, rotation, type HttpFigures } from './http-load.js';
import { measureSqlFloors, type SqlFloor } from './sql-floor.js';
import { root, startBenchStack, type BenchStack } from './stacks.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const MODES = (process.env.BENCH_MODES ?? 'embedded,distributed').split(',') as (
  'embedded' | 'distributed'
)[];
const DATABASE_SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const USERS = 50;
/** Only the paths whose name contains one of these (comma-separated); all when unset. */
const PATHS = process.env.BENCH_PATHS?.split(',');

interface ModeFigures {
  mode: string;
  http: (HttpFigures & {
    cpu: CpuShares;
    cpuPerRequestUs: Record<string, number>;
    transactionsPerRequest: number;
  })[];
  floors: SqlFloor[];
  rssMb: Record<string, number>;
}

const rssMb = (pid: number) =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

async function tokenOf(stack: BenchStack, user: StackUser): Promise<string> {
  const answer = await call(stack.base, 'GET', '/app-auth/api/v1/auth', { headers: { cookie: user.cookie } });
  return answer.headers.get('x-auth-token')!;
}

async function benchMode(mode: 'embedded' | 'distributed'): Promise<ModeFigures> {
  console.log(`\n[bench] ${mode}: starting the system from compiled JavaScript`);
  const stack = await startBenchStack(mode, { databaseServer: DATABASE_SERVER, redisUrl: REDIS_URL });
  try {
    const users = await stackUsers(stack.base, USERS, 'bench');
    for (const user of users)
      await call(stack.base, 'PUT', `/app-billing/api/v1/account/top-up/${user.id}`, {
        body: { sum: 100_000_000 },
        headers: { cookie: user.cookie, ...freshKey() },
      });
    const tokens = await Promise.all(users.map((user) => tokenOf(stack, user)));
    const billing = stack.serviceUrl('app-billing');
    const viaGateway = rotation(users);
    const direct = rotation(users.map((user, index) => ({ user, token: tokens[index]! })));
    const targets = [
      { path: 'GET /health on app-billing (direct)', url: `${billing}/health` },
      { path: 'GET /health through the entry point', url: `${stack.base}/app-billing/health` },
      {
        path: 'authenticated read through the entry point',
        url: stack.base,
        next: () => {
          const user = viaGateway();
          return { path: `/app-billing/api/v1/account/${user.id}`, headers: { cookie: user.cookie } };
        },
      },
      {
        path: 'authenticated read straight to app-billing',
        url: billing,
        next: () => {
          const { user, token } = direct();
          return { path: `/api/v1/account/${user.id}`, headers: { 'x-auth-token': token } };
        },
      },
      {
        path: 'top-up through the entry point',
        url: stack.base,
        method: 'PUT' as const,
        next: () => {
          const user = viaGateway();
          return {
            path: `/app-billing/api/v1/account/top-up/${user.id}`,
            headers: { cookie: user.cookie, ...freshKey() },
            body: { sum: 1 },
          };
        },
      },
      {
        path: 'top-up straight to app-billing',
        url: billing,
        method: 'PUT' as const,
        next: () => {
          const { user, token } = direct();
          return {
            path: `/api/v1/account/top-up/${user.id}`,
            headers: { 'x-auth-token': token, ...freshKey() },
            body: { sum: 1 },
          };
        },
      },
      {
        path: 'purchase through the entry point',
        url: stack.base,
        method: 'POST' as const,
        connections: 50,
        next: () => {
          const user = viaGateway();
          return {
            path: '/app-adv/api/v1/adv/create',
            headers: { cookie: user.cookie, ...freshKey() },
            body: { title: 'Bench', text: 'x'.repeat(50) },
          };
        },
      },
    ];
    const http: ModeFigures['http'] = [];
    let committedBefore = await committedTransactions(stack.databaseServer);
    for (const target of targets.filter(({ path }) => !PATHS || PATHS.some((part) => path.includes(part)))) {
      const cpuSince = countCpu(stack.rootPid, stack.processes());
      const measured = await measure(target, SECONDS);
      const cpu = cpuSince();
      const committedAfter = await committedTransactions(stack.databaseServer);
      const committed = committedAfter - committedBefore;
      committedBefore = committedAfter;
      const figures = {
        ...measured,
        cpu: cpu.shares,
        cpuPerRequestUs: cpuPerRequestUs(cpu, measured.requestsPerSecond),
        transactionsPerRequest: Math.round((10 * committed) / measured.requests) / 10,
      };
      http.push(figures);
      console.log(
        `[bench] ${mode}: ${figures.path}: ${figures.requestsPerSecond} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms` +
          (figures.failures ? `, ${figures.failures} failed` : '') +
          `; CPU cores: ${cpuText(figures.cpu)}; PostgreSQL transactions per request: ${figures.transactionsPerRequest}` +
          `; CPU µs per request: ${cpuText(figures.cpuPerRequestUs)}`,
      );
    }
    const floors = PATHS ? [] : await measureSqlFloors(stack.databaseServer, SECONDS, 20);
    for (const floor of floors)
      console.log(
        `[bench] ${mode}: pgbench floor of the ${floor.operation} (${floor.statements} statements): ${floor.transactionsPerSecond} tx/s` +
          `; CPU µs per transaction: ${cpuText(floor.cpuPerTransactionUs)}`,
      );
    const rss = Object.fromEntries(
      Object.entries(stack.processes()).map(([name, pid]) => [name, rssMb(pid)]),
    );
    return { mode, http, floors, rssMb: rss };
  } finally {
    await stack.stop();
    if (mode === 'distributed') await dropBenchDatabases();
  }
}

/**
 * Transactions committed on the server so far, every database (a statement outside a transaction
 * is one), once every backend has published its count: a busy backend publishes about once a
 * second, an idle one 10 s after its last transaction, so this reads from 10.5 s on until two
 * readings 1.1 s apart agree.
 */
async function committedTransactions(server: string): Promise<number> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  const read = async () =>
    Number(
      (await client.query<{ n: string }>('SELECT sum(xact_commit) AS n FROM pg_stat_database')).rows[0]!.n,
    );
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  try {
    await pause(10_500);
    let previous = await read();
    for (let tries = 0; tries < 5; tries += 1) {
      await pause(1_100);
      const now = await read();
      if (now === previous) break;
      previous = now;
    }
    return previous;
  } finally {
    await client.end();
  }
}

async function dropBenchDatabases(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_SERVER });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'",
  );
  for (const { datname } of rows)
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`);
  await client.end();
}

function eventLatencies(): string[] {
  const lines: string[] = [];
  for (const script of ['bench:accounts', 'bench:notifications']) {
    const result = spawnSync('npm', ['run', '--silent', script], {
      cwd: root,
      env: { ...process.env, TEST_DATABASE_URL: DATABASE_SERVER, TEST_LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    lines.push(...result.stdout.split('\n').filter((line) => line.trim() !== ''));
    if (result.status !== 0)
      lines.push(`${script} failed (exit ${result.status}): ${result.stderr.trim().split('\n')[0]}`);
  }
  return lines;
}

const cpuText = (cpu: CpuShares | Record<string, number>) =>
  Object.entries(cpu)
    .map(([group, cores]) => `${group} ${cores}`)
    .join(', ');

const ratio = (a?: number, b?: number) => (a && b ? (a / b).toFixed(2) : '—');

function report(results: ModeFigures[], events: string[]): void {
  console.log(
    '\n| mode | path | conns | req/s | p50 ms | p99 ms | failed | CPU cores used | PostgreSQL transactions per request |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { mode, http } of results)
    for (const row of http)
      console.log(
        `| ${mode} | ${row.path} | ${row.connections} | ${row.requestsPerSecond} | ${row.p50Ms} | ${row.p99Ms} | ${row.failures} | ${cpuText(row.cpu)} | ${row.transactionsPerRequest} |`,
      );
  console.log('\n| mode | path | CPU µs per request (per transaction for pgbench), by process |');
  console.log('|---|---|---|');
  for (const { mode, http, floors } of results) {
    for (const row of http) console.log(`| ${mode} | ${row.path} | ${cpuText(row.cpuPerRequestUs)} |`);
    for (const floor of floors)
      console.log(
        `| ${mode} | pgbench floor of the ${floor.operation} | ${cpuText(floor.cpuPerTransactionUs)} |`,
      );
  }
  console.log('\n| mode | ratio | value | target |');
  console.log('|---|---|---|---|');
  for (const { mode, http, floors } of results) {
    const rate = (path: string) => http.find((row) => row.path.startsWith(path))?.requestsPerSecond;
    const purchase = http.find((row) => row.path.startsWith('purchase'));
    const floor = (operation: string) =>
      floors.find((row) => row.operation === operation)?.transactionsPerSecond;
    console.log(
      `| ${mode} | top-up through the entry point / pgbench floor of its SQL | ${ratio(rate('top-up through'), floor('top-up'))} | ≥ 0.5 |`,
    );
    console.log(
      `| ${mode} | top-up straight to app-billing / pgbench floor | ${ratio(rate('top-up straight'), floor('top-up'))} | |`,
    );
    console.log(
      `| ${mode} | authenticated read: entry point / straight to the service | ${ratio(rate('authenticated read through'), rate('authenticated read straight'))} | ≥ 0.5 |`,
    );
    console.log(
      `| ${mode} | GET /health: entry point / direct | ${ratio(rate('GET /health through'), rate('GET /health on'))} | |`,
    );
    console.log(
      `| ${mode} | purchases (50 conns) / top-ups through the entry point | ${ratio(purchase?.requestsPerSecond, rate('top-up through'))} | ≥ 0.5 |`,
    );
    console.log(`| ${mode} | purchase p99 / p50 | ${ratio(purchase?.p99Ms, purchase?.p50Ms)} | ≤ 3 |`);
  }
  console.log('\n| mode | process | RSS MB after the run | target |');
  console.log('|---|---|---|---|');
  for (const { mode, rssMb } of results)
    for (const [name, mb] of Object.entries(rssMb))
      console.log(`| ${mode} | ${name} | ${mb} | ${mode === 'embedded' ? '≤ 300' : '≤ 120'} |`);
  console.log('\nevent latencies (in-process services, both buses):');
  for (const line of events) console.log(`  ${line}`);
}

console.log('[bench] building (tsc -b)');
execFileSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' });
const results: ModeFigures[] = [];
for (const mode of MODES) results.push(await benchMode(mode));
const events = process.env.BENCH_EVENTS === '0' ? [] : eventLatencies();
report(results, events);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const file = join(root, 'bench', 'results', 'latest.json');
writeFileSync(
  file,
  JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, results, events }, null, 2),
);
console.log(`\nfigures written to ${file}`);
// Figures of requests that failed, or of an event benchmark that did not finish, mean nothing.
const invalid = [
  ...results.flatMap(({ mode, http }) =>
    http.filter((row) => row.failures > 0).map((row) => `${mode}: ${row.path}: ${row.failures} failed`),
  ),
  ...events.filter((line) => line.includes(' failed (exit ')),
];
if (invalid.length > 0) console.error(`\nthe run is not valid:\n  ${invalid.join('\n  ')}`);
process.exit(invalid.length > 0 ? 1 : 0);
