/**
 * How long `GET /api/v1/board` takes on a board of 300,000 advertisements, for every kind of read
 * the plan test checks (app-adv/test/board-plans.test.ts): first and deepest pages, a cursor, words
 * from the commonest to missing ones, alone and together. Each read is repeated (round-robin, so
 * the machine's noise spreads over all of them) over real HTTP to app-adv on real PostgreSQL
 * (TEST_DATABASE_URL), and p50/p95/p99/max are printed per kind. Figures, not pass/fail; a read
 * that is not answered 200 fails the run.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:board
 *   BENCH_BOARD_ADS=1000000 BENCH_BOARD_RUNS=50 npm run bench:board
 */
import { performance } from 'node:perf_hooks';
import { advService } from '@adboard/app-adv';
import { migrationsOf } from '@adboard/kit';
import { call, createTestDatabase, startTestAuthority, startTestService } from '@adboard/kit/testing';
import { boardReads, loadBoard } from '../app-adv/test/board-fixture.js';
import { report } from './modes.js';

const ADS = Number(process.env.BENCH_BOARD_ADS ?? 300_000);
const RUNS = Number(process.env.BENCH_BOARD_RUNS ?? 200);
const WARM_UP = 10;

const database = await createTestDatabase([migrationsOf('app-adv', import.meta.resolve('@adboard/app-adv'))]);
const authority = await startTestAuthority();
let failed = false;
try {
  let started = performance.now();
  await loadBoard(database.db, ADS);
  console.log(
    `board of ${ADS} advertisements loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const adv = await startTestService(advService, {
    database: false,
    ports: { db: database.db },
    env: {
      AUTH_JWKS_URL: authority.jwksUrl,
      BILLING_SERVICE_URL: 'http://127.0.0.1:9', // no purchase is made
      BONUS_SERVICE_URL: 'http://127.0.0.1:9',
      BOARD_LIMIT_PER_ADDRESS: '100000000', // one client sending what many would
    },
  });
  try {
    const reads = Object.entries(boardReads(ADS)).map(([name, read]) => {
      const query = new URLSearchParams({
        page: String(read.offset / read.limit + 1),
        limit: String(read.limit),
      });
      if (read.words.length > 0) query.set('q', read.words.join(' '));
      if (read.before !== undefined) query.set('before', String(read.before));
      return { name, path: `/api/v1/board?${query}`, latencies: [] as number[], items: 0 };
    });
    started = performance.now();
    for (let round = 0; round < WARM_UP + RUNS; round += 1) {
      for (const read of reads) {
        const sent = performance.now();
        const answer = await call(adv.url, 'GET', read.path);
        const ms = performance.now() - sent;
        if (answer.status !== 200) {
          failed = true;
          console.error(`${read.name}: answered ${answer.status} ${JSON.stringify(answer.body)}`);
        }
        read.items = answer.body.data?.length ?? 0;
        if (round >= WARM_UP) read.latencies.push(ms);
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`GET /api/v1/board over HTTP, ${RUNS} runs of each read (${seconds} s):`);
    for (const read of reads) report(`${read.name} (${read.items} items)`, read.latencies, 58, 2);
  } finally {
    await adv.stop();
  }
} finally {
  await authority.close();
  await database.drop();
}
process.exit(failed ? 1 : 0);
