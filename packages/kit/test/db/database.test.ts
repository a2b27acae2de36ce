import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../src/http/errors.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';
import { deadlineFrom, traceFrom, withTrace } from '../../src/trace.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.query('CREATE TABLE effects (value int)');
});
afterAll(() => database.drop());

const values = async () => (await database.db.query('SELECT value FROM effects ORDER BY value')).rows;

describe('Database.transaction', () => {
  it('commits when the work resolves and rolls back when it throws', async () => {
    await database.db.transaction((tx) => tx.query('INSERT INTO effects VALUES (1)'));
    await expect(
      database.db.transaction(async (tx) => {
        await tx.query('INSERT INTO effects VALUES (2)');
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await values()).toEqual([{ value: 1 }]);
  });

  it("commits nothing once the caller's deadline has passed", async () => {
    const late = { ...traceFrom(undefined), deadline: Date.now() + 50 };
    const attempt = withTrace(late, () =>
      database.db.transaction(async (tx) => {
        await tx.query('INSERT INTO effects VALUES (3)');
        await tx.query('SELECT pg_sleep(0.1)');
      }),
    );
    await expect(attempt).rejects.toBeInstanceOf(ServiceUnavailableError);
    const inTime = { ...traceFrom(undefined), deadline: Date.now() + 5_000 };
    await withTrace(inTime, () =>
      database.db.transaction((tx) => tx.query('INSERT INTO effects VALUES (4)')),
    );
    expect(await values()).toEqual([{ value: 1 }, { value: 4 }]);
  });

  it('reads the deadline header, bounded to a minute', () => {
    expect(deadlineFrom('1000', 0)).toBe(1000);
    expect(deadlineFrom(String(10 ** 13), 0)).toBe(60_000);
    expect(deadlineFrom('soon', 0)).toBeUndefined();
    expect(deadlineFrom(undefined, 0)).toBeUndefined();
  });
});
