import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetentionCleanup } from '../../src/db/retention.js';
import { consumerRetention } from '../../src/events/retention.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';

const logger = createLogger('consumer-retention-test', 'silent');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
beforeEach(() => database.db.query('TRUNCATE inbox, dead_letter'));

/** A handled event's inbox row and a dead letter, both `daysAgo` days old. */
async function consumedDaysAgo(daysAgo: number): Promise<void> {
  await database.db.query(
    `INSERT INTO inbox (consumer, event_id, handled_at) VALUES ('g', $1, now() - make_interval(days => $2::int))`,
    [randomUUID(), daysAgo],
  );
  await database.db.query(
    `INSERT INTO dead_letter (consumer, event_id, topic, raw, error, attempts, failed_at)
     VALUES ('g', gen_random_uuid(), 't', '\\x00', 'bad', 1, now() - make_interval(days => $1))`,
    [daysAgo],
  );
}

const ages = async (table: string, column: string) =>
  (
    await database.db.query<{ days: number }>(
      `SELECT round(extract(epoch FROM now() - ${column}) / 86400)::int AS days FROM ${table} ORDER BY 1`,
    )
  ).rows.map((row) => row.days);

const sweep = (config = { INBOX_RETENTION_DAYS: 14, DEAD_LETTER_RETENTION_DAYS: 30 }) =>
  new RetentionCleanup({ db: database.db, logger, rules: consumerRetention(config) }).sweep();

describe("a consumer's retention", () => {
  it('keeps inbox rows 14 days and dead letters 30 days by default', async () => {
    for (const days of [1, 13, 15, 29, 31]) await consumedDaysAgo(days);
    expect(await sweep()).toEqual({ inbox: 3, dead_letter: 1 });
    expect(await ages('inbox', 'handled_at')).toEqual([1, 13]);
    expect(await ages('dead_letter', 'failed_at')).toEqual([1, 13, 15, 29]);
  });

  it('honours configured retentions', async () => {
    for (const days of [2, 4, 6]) await consumedDaysAgo(days);
    expect(await sweep({ INBOX_RETENTION_DAYS: 3, DEAD_LETTER_RETENTION_DAYS: 5 })).toEqual({
      inbox: 2,
      dead_letter: 1,
    });
    expect(await ages('inbox', 'handled_at')).toEqual([2]);
    expect(await ages('dead_letter', 'failed_at')).toEqual([2, 4]);
  });
});
