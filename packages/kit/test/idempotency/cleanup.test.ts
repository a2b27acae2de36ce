import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdempotencyCleanup } from '../../src/idempotency/cleanup.js';
import { withIdempotency } from '../../src/idempotency/keys.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';
import { waitFor } from '../../src/testing/wait.js';

const logger = createLogger('cleanup-test', 'silent');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
beforeEach(() => database.db.query('DELETE FROM idempotency_keys'));
afterEach(() => vi.useRealTimers());

const cleanup = (retentionHours?: number) =>
  new IdempotencyCleanup({ db: database.db, logger, ...(retentionHours ? { retentionHours } : {}) });

/** Stores `count` completed keys made `hoursAgo` hours ago (created_at is the only age the job reads). */
async function keysMade(hoursAgo: number, count = 1, prefix = `${hoursAgo}h`): Promise<void> {
  await database.db.query(
    `INSERT INTO idempotency_keys (scope, key, fingerprint, response_body, created_at)
     SELECT 'account:1', $1 || '-' || n, 'fp', '{}', now() - make_interval(hours => $2)
     FROM generate_series(1, $3) AS n`,
    [prefix, hoursAgo, count],
  );
}

async function keysLeft(): Promise<string[]> {
  const { rows } = await database.db.query<{ key: string }>('SELECT key FROM idempotency_keys ORDER BY key');
  return rows.map((row) => row.key);
}

describe('idempotency key cleanup', () => {
  it('deletes keys older than the retention (72 h by default) and keeps younger ones', async () => {
    await keysMade(73);
    await keysMade(71);
    await keysMade(1);
    expect(await cleanup().sweep()).toBe(1);
    expect(await keysLeft()).toEqual(['1h-1', '71h-1']);
  });

  it('honours a configured retention', async () => {
    await keysMade(25);
    await keysMade(23);
    expect(await cleanup(24).sweep()).toBe(1);
    expect(await keysLeft()).toEqual(['23h-1']);
  });

  it('deletes any number of expired keys, in batches', async () => {
    await keysMade(100, 2_500);
    await keysMade(2);
    expect(await cleanup().sweep()).toBe(2_500);
    expect(await keysLeft()).toEqual(['2h-1']);
  });

  it('keeps the key of a request still running, whatever its age, and does not wait for it', async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    let claimed!: () => void;
    const isClaimed = new Promise<void>((resolve) => (claimed = resolve));
    const request = withIdempotency(
      database.db,
      { scope: 'account:1', key: 'running', fingerprint: 'fp' },
      async (tx) => {
        await tx.query(
          `UPDATE idempotency_keys SET created_at = now() - interval '100 hours' WHERE key = $1`,
          ['running'],
        );
        claimed();
        await finished;
        return { done: true };
      },
    );
    await isClaimed;
    expect(await cleanup().sweep()).toBe(0);
    finish();
    expect(await request).toEqual({ response: { done: true }, replayed: false });
    expect(await keysLeft()).toEqual(['running']);
  });

  it('sweeps every interval once started', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const job = cleanup();
    await job.start();
    await keysMade(80);
    vi.advanceTimersByTime(3_600_000);
    await waitFor(async () => (await keysLeft()).length === 0, { what: 'the hourly sweep' });
    await job.stop();
  });

  it('stops cleanly: finishes the sweep in hand, then runs no more', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const job = cleanup();
    await job.start();
    await keysMade(80);
    const blocker = await database.db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE idempotency_keys IN ACCESS EXCLUSIVE MODE');
      vi.advanceTimersByTime(3_600_000);
      let stopped = false;
      const stopping = job.stop().then(() => (stopped = true));
      await waitFor(
        async () =>
          (
            await database.db.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
               AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM idempotency_keys%'`,
            )
          ).rowCount === 1,
        { what: 'the sweep to wait for the lock' },
      );
      expect(stopped).toBe(false);
      await blocker.query('COMMIT');
      await stopping;
    } finally {
      blocker.release();
    }
    expect(await keysLeft()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
