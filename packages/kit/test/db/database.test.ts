import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/db/database.js';
import {
  DatabaseUnavailableError,
  isConnectionError,
  StatementTimeoutError,
} from '../../src/db/unavailable.js';
import { ServiceUnavailableError } from '../../src/http/errors.js';
import { freePort } from '../../src/testing/ports.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';
import { waitFor } from '../../src/testing/wait.js';
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

describe('Database when connections are cut', () => {
  const lines: { level: number; msg: string; err?: { message: string } }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  let db: Database;
  let admin: pg.Client;

  beforeAll(async () => {
    db = new Database({ url: database.url, applicationName: 'cut-test', logger });
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await db.close();
    await admin.end();
  });

  /** pg_terminate_backend on every connection `db` holds, as an operator or a failover would. */
  const cutEveryConnection = async () =>
    (
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cut-test'",
      )
    ).rowCount;

  it('fails the work in flight with DatabaseUnavailableError, logs the cause, and serves again', async () => {
    const inFlight = Array.from({ length: 6 }, (_, index) =>
      index % 2 === 0
        ? db.transaction((tx) => tx.query('SELECT pg_sleep(5)'))
        : db.query('SELECT pg_sleep(5)'),
    );
    const settled = Promise.allSettled(inFlight);
    await waitFor(
      async () =>
        (
          await admin.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'cut-test' AND query LIKE '%pg_sleep(5)%'",
          )
        ).rowCount === 6,
      { what: 'six busy connections' },
    );
    expect(await cutEveryConnection()).toBe(6);
    const outcomes = await settled;
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseUnavailableError);
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(ServiceUnavailableError);
    }
    const lost = lines.filter((line) => line.msg.includes('database connection was lost'));
    expect(lost.length).toBeGreaterThanOrEqual(1);
    expect(lost[0]!.err?.message).toMatch(/terminat/i);
    await waitFor(async () => (await db.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one === 1, {
      what: 'the pool to reconnect',
    });
  });

  it('replaces idle connections that were cut', async () => {
    await Promise.all(Array.from({ length: 4 }, () => db.query('SELECT pg_sleep(0.05)')));
    expect(db.pool.idleCount).toBeGreaterThan(0);
    await cutEveryConnection();
    await waitFor(async () => (await db.transaction((tx) => tx.query('SELECT 1'))).rowCount === 1, {
      what: 'a transaction on a fresh connection',
    });
  });

  it('reports an unreachable server once, as unavailable, and recovery once', async () => {
    const port = await freePort();
    const nowhere = new Database({ url: `postgres://postgres@127.0.0.1:${port}/none`, logger });
    lines.length = 0;
    for (let i = 0; i < 3; i += 1)
      await expect(nowhere.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(nowhere.transaction(async () => undefined)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(nowhere.available).toBe(false);
    expect(lines.filter((line) => line.msg.includes('the database is unavailable'))).toHaveLength(1);
    await nowhere.close();
  });

  it('leaves errors of the statement itself alone', async () => {
    await expect(db.query('SELECT * FROM no_such_table')).rejects.not.toBeInstanceOf(
      DatabaseUnavailableError,
    );
    expect(isConnectionError(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
  });
});

describe('prepared statements', () => {
  it('prepares a parameterised statement once per connection and sends the rest as they are', async () => {
    const text = 'SELECT $1::int + 1 AS next';
    const prepared = await database.db.withClient(async (client) => {
      expect((await client.query(text, [1])).rows).toEqual([{ next: 2 }]);
      expect((await client.query(text, [2])).rows).toEqual([{ next: 3 }]);
      await client.query('SELECT 1');
      const { rows } = await client.query<{ statement: string }>(
        'SELECT statement FROM pg_prepared_statements ORDER BY statement',
      );
      return rows.map((row) => row.statement);
    });
    // (The connection may hold others from earlier work, such as the migrations'.)
    expect(prepared).toContain(text);
    expect(prepared.filter((statement) => !/\$\d/.test(statement))).toEqual([]);
  });
});

describe('statement timeouts and pools of their own', () => {
  it('answers a statement that outlives its timeout as 503, not as an unexpected error', async () => {
    const failure = await database.db
      .transaction(async (tx) => {
        await tx.query("SET LOCAL statement_timeout = '50ms'");
        await tx.query('SELECT pg_sleep(1)');
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StatementTimeoutError);
    expect(failure).toMatchObject({
      statusCode: 503,
      errors: [{ text: 'The request took too long, try again later' }],
    });
    expect(failure).not.toBeInstanceOf(DatabaseUnavailableError);
  });

  it('opens another pool on the same database with its own size, timeout and name', async () => {
    const reads = database.db.derive({
      applicationName: 'test reads',
      maxConnections: 1,
      statementTimeoutMs: 50,
    });
    try {
      const { rows } = await reads.query<{ name: string; timeout: string }>(
        "SELECT current_setting('application_name') AS name, current_setting('statement_timeout') AS timeout",
      );
      expect(rows).toEqual([{ name: 'test reads', timeout: '50ms' }]);
      await expect(reads.query('SELECT pg_sleep(1)')).rejects.toBeInstanceOf(StatementTimeoutError);
      // The pool it came from keeps its own settings.
      const own = await database.db.query<{ timeout: string }>(
        "SELECT current_setting('statement_timeout') AS timeout",
      );
      expect(own.rows).toEqual([{ timeout: '10s' }]);
    } finally {
      await reads.close();
    }
  });
});
