import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../src/db/unavailable.js';
import { Database, type Queryable } from '../../src/db/database.js';
import { InboxConsumer, PoisonMessageError, type ConsumerOptions } from '../../src/events/consumer.js';
import { InMemoryEventBus } from '../../src/events/memory-bus.js';
import type { EventMessage } from '../../src/events/types.js';
import { createLogger } from '../../src/logger.js';
import { Registry } from '../../src/metrics.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';
import { TcpRelay } from '../../src/testing/tcp-relay.js';
import { waitFor } from '../../src/testing/wait.js';
import { currentTrace } from '../../src/trace.js';
import { sampleOf } from '../metrics/sample.js';

const logger = createLogger('consumer-test', 'silent');
let database: TestDatabase;
let bus: InMemoryEventBus;
let consumer: InboxConsumer;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.query('CREATE TABLE effects (event_id uuid, value int)');
  await database.db.query('CREATE TABLE held (id int); INSERT INTO held VALUES (1)');
});
afterAll(() => database.drop());

beforeEach(async () => {
  await database.db.query('TRUNCATE effects, inbox, dead_letter');
  bus = new InMemoryEventBus();
});
afterEach(async () => {
  await consumer.stop();
  await bus.close();
});

const event = (value: unknown, id: string = randomUUID()): EventMessage => ({
  id,
  type: 'user.created',
  source: 'test',
  time: new Date().toISOString(),
  topic: 'user.event',
  key: '1',
  payload: { value },
  traceparent: `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`,
});

async function startConsumer(
  handle: (value: unknown, message: EventMessage, tx: Queryable) => void | Promise<void>,
  options: Partial<ConsumerOptions> = {},
) {
  consumer = new InboxConsumer({
    db: database.db,
    bus,
    group: 'test.user-event',
    topic: 'user.event',
    logger,
    retryDelayMs: () => 1,
    backoffMs: () => 1,
    ...options,
    handle: async (tx, message) => {
      await handle(message.payload.value, message, tx);
      if (typeof message.payload.value !== 'number') throw new PoisonMessageError('value must be a number');
      await tx.query('INSERT INTO effects VALUES ($1, $2)', [message.id, message.payload.value]);
    },
  });
  await consumer.start();
}

const count = async (table: string) =>
  (await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

describe('inbox consumer', () => {
  it('applies an event once, however often it is delivered', async () => {
    await startConsumer(() => {});
    const duplicate = event(7);
    await bus.publish([duplicate, duplicate, event(8), duplicate]);
    await waitFor(async () => (await count('inbox')) === 2, { what: 'two handled events' });
    await bus.publish([duplicate]);
    const witness = event(9);
    await bus.publish([witness]);
    await waitFor(async () => (await count('effects')) === 3, { what: 'the witness event' });
    expect((await database.db.query('SELECT value FROM effects ORDER BY value')).rows).toEqual([
      { value: 7 },
      { value: 8 },
      { value: 9 },
    ]);
  });

  it('rolls back the inbox record with a failed effect, then retries', async () => {
    let failures = 2;
    await startConsumer(() => {
      if (failures-- > 0) throw new Error('database hiccup');
    });
    await bus.publish([event(1)]);
    await waitFor(async () => (await count('effects')) === 1, { what: 'the effect after retries' });
    expect(await count('inbox')).toBe(1);
    expect(await count('dead_letter')).toBe(0);
  });

  it('dead-letters a poison message at once and goes on with the next', async () => {
    const seen: unknown[] = [];
    await startConsumer((value) => void seen.push(value));
    await bus.publish([event('not a number'), event(2)]);
    await waitFor(async () => (await count('effects')) === 1, { what: 'the next event' });
    expect(seen).toEqual(['not a number', 2]);
    const [letter] = (
      await database.db.query('SELECT consumer, topic, payload, error, attempts FROM dead_letter')
    ).rows;
    expect(letter).toEqual({
      consumer: 'test.user-event',
      topic: 'user.event',
      payload: { value: 'not a number' },
      error: 'value must be a number',
      attempts: 1,
    });
  });

  it('dead-letters a message that keeps failing after bounded retries', async () => {
    let attempts = 0;
    await startConsumer((value) => {
      if (value === 13) {
        attempts += 1;
        throw new Error('always fails');
      }
    });
    await bus.publish([event(13), event(14)]);
    await waitFor(async () => (await count('effects')) === 1, { what: 'the next event' });
    expect(attempts).toBe(5);
    expect((await database.db.query('SELECT attempts, error FROM dead_letter')).rows).toEqual([
      { attempts: 5, error: 'always fails' },
    ]);
  });

  it('waits out an unreachable database without counting attempts or dead-lettering', async () => {
    let outage = 8; // more failures than the five attempts a failing message gets
    await startConsumer(() => {
      if (outage-- > 0) throw new DatabaseUnavailableError(new Error('connect ECONNREFUSED'));
    });
    await bus.publish([event(21)]);
    await waitFor(async () => (await count('effects')) === 1, { what: 'the effect after the outage' });
    expect(outage).toBe(-1);
    expect(await count('dead_letter')).toBe(0);
  });

  it('leaves a message to the bus when stopped while the database is unreachable', async () => {
    let calls = 0;
    await startConsumer(() => {
      calls += 1;
      throw new DatabaseUnavailableError(new Error('connect ECONNREFUSED'));
    });
    await bus.publish([event(22)]);
    await waitFor(() => calls >= 2, { what: 'the consumer to wait for the database' });
    await consumer.stop();
    expect(await count('dead_letter')).toBe(0);
    expect(await count('inbox')).toBe(0);
  });

  it('leaves a message to the bus when stopped while retrying it, instead of dead-lettering it', async () => {
    let calls = 0;
    await startConsumer(
      () => {
        calls += 1;
        throw new Error('fails for now');
      },
      { retryDelayMs: () => 60_000 },
    );
    await bus.publish([event(23)]);
    await waitFor(() => calls === 1, { what: 'the first attempt' });
    await consumer.stop();
    expect(calls).toBe(1);
    expect(await count('dead_letter')).toBe(0);
  });

  it('dead-letters a message whose id is not a UUID', async () => {
    await startConsumer(() => {});
    await bus.publish([event(5, 'user.event/0/17')]);
    await waitFor(async () => (await count('dead_letter')) === 1, { what: 'the dead letter' });
    expect(await count('effects')).toBe(0);
  });

  it('sets aside a message whose payload PostgreSQL cannot store (U+0000), with its exact bytes, and goes on', async () => {
    let calls = 0;
    await startConsumer((value) => {
      if (typeof value === 'string') calls += 1;
    });
    const poison = event('a\u0000b');
    await bus.publish([poison, event(2)]);
    await waitFor(async () => (await count('effects')) === 1, { what: 'the next event' });
    expect(calls).toBe(1);
    const { rows } = await database.db.query(
      'SELECT event_id, payload, raw, error, attempts FROM dead_letter',
    );
    expect(rows).toEqual([
      {
        event_id: poison.id,
        payload: null,
        raw: Buffer.from(JSON.stringify(poison.payload)),
        error: 'value must be a number',
        attempts: 1,
      },
    ]);
    expect(JSON.parse(rows[0]!.raw.toString())).toEqual({ value: 'a\u0000b' });
  });

  it('sets aside a message its bus could not decode, with its bytes, without calling the handler', async () => {
    const seen: unknown[] = [];
    await startConsumer((value) => void seen.push(value));
    const bytes = Buffer.from([0xff, 0x00, 0x7b]);
    const unreadable = { ...event(0), payload: {}, raw: bytes, undecodable: 'the value is not UTF-8' };
    await bus.publish([unreadable, event(3)]);
    await waitFor(async () => (await count('effects')) === 1, { what: 'the next event' });
    expect(seen).toEqual([3]);
    expect((await database.db.query('SELECT payload, raw, error, attempts FROM dead_letter')).rows).toEqual([
      { payload: null, raw: bytes, error: 'the value is not UTF-8', attempts: 0 },
    ]);
  });

  /** Real PostgreSQL errors that are the database's, not the message's: each fails the handler's transaction. */
  const transientFailures: Record<string, (tx: Queryable) => Promise<unknown>> = {
    'serialization failure 40001': (tx) =>
      tx.query(
        `DO $$ BEGIN RAISE EXCEPTION 'could not serialize access due to concurrent update' USING ERRCODE = '40001'; END $$`,
      ),
    'deadlock 40P01': (tx) =>
      tx.query(`DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$`),
    'statement timeout 57014': async (tx) => {
      await tx.query(`SET LOCAL statement_timeout = '10ms'`);
      await tx.query('SELECT pg_sleep(1)');
    },
    'lock not available 55P03': (tx) => tx.query('SELECT * FROM held FOR UPDATE NOWAIT'),
  };

  describe('with a row of `held` locked by another transaction', () => {
    let blocker: pg.PoolClient;
    beforeEach(async () => {
      blocker = await database.db.pool.connect();
      await blocker.query('BEGIN');
      await blocker.query('SELECT * FROM held FOR UPDATE');
    });
    afterEach(async () => {
      await blocker.query('ROLLBACK');
      blocker.release();
    });

    it.each(Object.entries(transientFailures))(
      'retries a transient database error (%s) until the event is handled, never dead-letters it',
      async (_, provoke) => {
        let failures = 8; // more than the five attempts a failing message gets
        await startConsumer(async (_value, _message, tx) => {
          if (failures-- > 0) await provoke(tx);
        });
        await bus.publish([event(31)]);
        await waitFor(async () => (await count('effects')) + (await count('dead_letter')) === 1, {
          what: 'the event to be handled or dead-lettered',
        });
        expect(await count('dead_letter')).toBe(0);
        expect(failures).toBe(-1);
      },
    );

    it('dead-letters a transient error that outlasts its bounded retries, and goes on', async () => {
      let calls = 0;
      await startConsumer(
        async (value, _message, tx) => {
          if (value !== 32) return;
          calls += 1;
          await transientFailures['lock not available 55P03']!(tx);
        },
        { maxTransientAttempts: 12 },
      );
      await bus.publish([event(32), event(33)]);
      await waitFor(async () => (await count('effects')) === 1, { what: 'the next event' });
      expect(calls).toBe(12);
      const { rows } = await database.db.query('SELECT error, attempts FROM dead_letter');
      expect(rows).toEqual([{ error: expect.stringMatching(/could not obtain lock/), attempts: 12 }]);
    });
  });

  it('keeps storing a dead letter while the database is unreachable, then goes on', async () => {
    const relayed = new URL(database.url);
    const relay = await TcpRelay.start({ host: relayed.hostname, port: Number(relayed.port) });
    relayed.port = String(relay.port);
    const db = new Database({ url: relayed.href, maxConnections: 2 });
    let cut = false;
    try {
      await startConsumer(
        async (value) => {
          if (value !== 'poison' || cut) return;
          cut = true;
          await relay.cut(); // the dead letter's insert finds the database gone
        },
        { db },
      );
      await bus.publish([event('poison'), event(4)]);
      await waitFor(() => cut && !db.available, { what: 'the dead letter to meet the outage' });
      await relay.restore();
      await waitFor(async () => (await count('effects')) === 1, { what: 'the next event' });
      expect((await database.db.query('SELECT error FROM dead_letter')).rows).toEqual([
        { error: 'value must be a number' },
      ]);
    } finally {
      await consumer.stop();
      await db.close();
      await relay.cut();
    }
  });

  it('drops, logs and counts a message the database refuses even as a dead letter, and goes on', async () => {
    await database.db.query(`ALTER TABLE dead_letter ADD CONSTRAINT refuses CHECK (key <> 'refused')`);
    const lines: string[] = [];
    const registry = new Registry();
    try {
      await startConsumer(() => {}, {
        logger: pino({ level: 'error' }, { write: (line: string) => void lines.push(line) }),
        metrics: registry,
      });
      await bus.publish([{ ...event('poison'), key: 'refused' }, event(5)]);
      await waitFor(async () => (await count('effects')) === 1, { what: 'the next event' });
      expect(await count('dead_letter')).toBe(0);
      expect(await sampleOf(registry, 'events_dropped_total', { group: 'test.user-event' })).toBe(1);
      expect(lines.map((line) => JSON.parse(line).msg)).toContain(
        'event dropped: it could not be stored in dead_letter',
      );
    } finally {
      await database.db.query('ALTER TABLE dead_letter DROP CONSTRAINT refuses');
    }
  });

  it("handles each event inside the producer's trace", async () => {
    const traces: (string | undefined)[] = [];
    await startConsumer(() => void traces.push(currentTrace()?.traceId));
    await bus.publish([event(1)]);
    await waitFor(() => traces.length === 1, { what: 'the handler' });
    expect(traces).toEqual(['c'.repeat(32)]);
  });
});
