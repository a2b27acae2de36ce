import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetentionCleanup } from '../../src/db/retention.js';
import { withIdempotency } from '../../src/idempotency/keys.js';
import { idempotencyKeyRetention } from '../../src/idempotency/retention.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';

const logger = createLogger('cleanup-test', 'silent');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
beforeEach(() => database.db.query('DELETE FROM idempotency_keys'));

/** One sweep of the keys' retention: how many were deleted. */
const sweep = async (retentionHours?: number) =>
  (
    await new RetentionCleanup({
      db: database.db,
      logger,
      rules: [idempotencyKeyRetention(retentionHours)],
    }).sweep()
  ).idempotency_keys;

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

describe('idempotency key retention', () => {
  it('deletes keys older than the retention (72 h by default) and keeps younger ones', async () => {
    await keysMade(73);
    await keysMade(71);
    await keysMade(1);
    expect(await sweep()).toBe(1);
    expect(await keysLeft()).toEqual(['1h-1', '71h-1']);
  });

  it('honours a configured retention', async () => {
    await keysMade(25);
    await keysMade(23);
    expect(await sweep(24)).toBe(1);
    expect(await keysLeft()).toEqual(['23h-1']);
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
    expect(await sweep()).toBe(0);
    finish();
    expect(await request).toEqual({ response: { done: true }, replayed: false });
    expect(await keysLeft()).toEqual(['running']);
  });
});
