import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RetentionCleanup, type RetentionRule } from '../../src/db/retention.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';
import { waitFor } from '../../src/testing/wait.js';

const logger = createLogger('retention-test', 'silent');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.query('CREATE TABLE notes (name text, made_at timestamptz, kept boolean DEFAULT false)');
});
afterAll(() => database.drop());
beforeEach(() => database.db.query('TRUNCATE notes'));
afterEach(() => vi.useRealTimers());

const notes: RetentionRule = { table: 'notes', timestamp: 'made_at', retentionHours: 24 };
const cleanup = (rules: RetentionRule[] = [notes], batchSize?: number) =>
  new RetentionCleanup({ db: database.db, logger, rules, ...(batchSize ? { batchSize } : {}) });

/** Stores `count` notes made `hoursAgo` hours ago. */
async function notesMade(hoursAgo: number, count = 1, kept = false): Promise<void> {
  await database.db.query(
    `INSERT INTO notes (name, made_at, kept)
     SELECT $1::int || 'h-' || n, now() - make_interval(hours => $1::int), $3 FROM generate_series(1, $2) AS n`,
    [hoursAgo, count, kept],
  );
}

async function notesLeft(): Promise<string[]> {
  const { rows } = await database.db.query<{ name: string }>('SELECT name FROM notes ORDER BY name');
  return rows.map((row) => row.name);
}

describe('retention cleanup', () => {
  it('deletes rows older than their retention and keeps younger ones', async () => {
    await notesMade(25);
    await notesMade(23);
    expect(await cleanup().sweep()).toEqual({ notes: 1 });
    expect(await notesLeft()).toEqual(['23h-1']);
  });

  it('deletes only the expired rows that meet the rule’s condition, which may read the cutoff', async () => {
    await notesMade(30, 1, true);
    await notesMade(29);
    await notesMade(25);
    const unlessKept: RetentionRule = {
      ...notes,
      condition: (cutoff) => `NOT kept AND made_at < ${cutoff} - interval '2 hours'`,
    };
    expect(await cleanup([unlessKept]).sweep()).toEqual({ notes: 1 });
    expect(await notesLeft()).toEqual(['25h-1', '30h-1']);
  });

  it('deletes any number of expired rows, in batches', async () => {
    await notesMade(100, 2_500);
    await notesMade(2);
    expect(await cleanup([notes], 1_000).sweep()).toEqual({ notes: 2_500 });
    expect(await notesLeft()).toEqual(['2h-1']);
  });

  it('goes on with the next rule when one fails', async () => {
    await notesMade(48);
    const missing: RetentionRule = { table: 'no_such_table', timestamp: 'at', retentionHours: 1 };
    expect(await cleanup([missing, notes]).sweep()).toEqual({ no_such_table: 0, notes: 1 });
  });

  it('sweeps once started, then every interval', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    await notesMade(30);
    const job = cleanup();
    await job.start();
    await waitFor(async () => (await notesLeft()).length === 0, { what: 'the sweep at start' });
    await notesMade(40);
    vi.advanceTimersByTime(3_600_000);
    await waitFor(async () => (await notesLeft()).length === 0, { what: 'the hourly sweep' });
    await job.stop();
  });

  it('stops cleanly: finishes the sweep in hand, then runs no more', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    await notesMade(80);
    const blocker = await database.db.pool.connect();
    const job = cleanup();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE notes IN ACCESS EXCLUSIVE MODE');
      await job.start();
      let stopped = false;
      const stopping = job.stop().then(() => (stopped = true));
      await waitFor(
        async () =>
          (
            await database.db.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
               AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM notes%'`,
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
    expect(await notesLeft()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
