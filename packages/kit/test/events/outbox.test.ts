import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryEventBus } from '../../src/events/memory-bus.js';
import { enqueueEvent, OutboxRelay } from '../../src/events/outbox.js';
import type { EventBus, EventMessage } from '../../src/events/types.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';
import { waitFor } from '../../src/testing/wait.js';
import { traceFrom, withTrace, formatTraceparent } from '../../src/trace.js';

const logger = createLogger('outbox-test', 'silent');
let database: TestDatabase;
let bus: EventBus;
let received: EventMessage[];
let relays: OutboxRelay[];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

beforeEach(async () => {
  await database.db.query('DELETE FROM outbox');
  bus = new InMemoryEventBus();
  received = [];
  relays = [];
  await bus.subscribe({ group: 'test', topic: 'user.event', handler: async (m) => void received.push(m) });
});
afterEach(async () => {
  for (const relay of relays) await relay.stop();
  await bus.close();
});

function relay(options: { pollIntervalMs?: number; batchSize?: number; bus?: EventBus } = {}) {
  const created = new OutboxRelay({
    db: database.db,
    bus: options.bus ?? bus,
    source: 'app-user',
    logger,
    ...options,
  });
  relays.push(created);
  return created;
}

const event = (id: number) => ({
  topic: 'user.event',
  type: 'user.created',
  key: String(id),
  payload: { action: 'create', id },
});

describe('transactional outbox', () => {
  it('publishes an event committed with its change, with metadata and trace context', async () => {
    await relay({ pollIntervalMs: 60_000 }).start();
    const trace = traceFrom(undefined);
    const id = await withTrace(trace, () => database.db.transaction((tx) => enqueueEvent(tx, event(1))));
    await waitFor(() => received.length === 1, { what: 'the event' });
    expect(received[0]).toMatchObject({
      id,
      type: 'user.created',
      source: 'app-user',
      topic: 'user.event',
      key: '1',
      payload: { action: 'create', id: 1 },
    });
    expect(received[0]!.traceparent).toMatch(new RegExp(`^00-${trace.traceId}-`));
    expect(received[0]!.traceparent).toBe(formatTraceparent(trace));
    expect(Date.parse(received[0]!.time)).not.toBeNaN();
  });

  it('is woken by the commit, not by its poll', async () => {
    await relay({ pollIntervalMs: 60_000 }).start();
    const started = Date.now();
    await database.db.transaction((tx) => enqueueEvent(tx, event(2)));
    await waitFor(() => received.length === 1, { timeoutMs: 2_000, what: 'a prompt publish' });
    expect(Date.now() - started).toBeLessThan(2_000);
    // The bus may hand the event over before the relay's transaction (which deletes the row) commits.
    await waitFor(
      async () =>
        (await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')).rows[0]!.n === 0,
      { timeoutMs: 1_000, what: 'the published row to be deleted' },
    );
  });

  it('hands its listening connection back to the pool without its listeners, however often it restarts', async () => {
    for (let round = 0; round < 12; round++) {
      const restarted = new OutboxRelay({
        db: database.db,
        bus,
        source: 'app-user',
        logger,
        pollIntervalMs: 60_000,
      });
      await restarted.start();
      await database.db.transaction((tx) => enqueueEvent(tx, event(100 + round)));
      await waitFor(() => received.length === round + 1, {
        timeoutMs: 2_000,
        what: 'a publish woken by LISTEN',
      });
      await restarted.stop();
    }
    const { pool } = database.db;
    const clients = await Promise.all(Array.from({ length: pool.idleCount }, () => pool.connect()));
    try {
      expect(clients.map((client) => client.listenerCount('notification'))).toEqual(clients.map(() => 0));
      expect(Math.max(...clients.map((client) => client.listenerCount('error')))).toBeLessThanOrEqual(1);
    } finally {
      for (const client of clients) client.release();
    }
  });

  it('publishes nothing when the transaction rolls back', async () => {
    await relay({ pollIntervalMs: 50 }).start();
    await expect(
      database.db.transaction(async (tx) => {
        await enqueueEvent(tx, event(3));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await database.db.transaction((tx) => enqueueEvent(tx, event(4)));
    await waitFor(() => received.length === 1, { what: 'the committed event' });
    expect(received.map((m) => m.key)).toEqual(['4']);
  });

  it('delivers rows left pending while the relay was down exactly once after a restart', async () => {
    const first = relay({ pollIntervalMs: 50 });
    await first.start();
    await first.stop();
    for (let i = 0; i < 25; i += 1) await database.db.transaction((tx) => enqueueEvent(tx, event(100 + i)));
    expect(received).toHaveLength(0);
    await relay({ pollIntervalMs: 50, batchSize: 10 }).start();
    await waitFor(async () => (await database.db.query('SELECT 1 FROM outbox')).rowCount === 0, {
      what: 'an empty outbox',
    });
    await waitFor(() => received.length === 25, { what: 'all events' });
    expect(new Set(received.map((m) => m.id)).size).toBe(25);
    expect(received.map((m) => Number(m.key))).toEqual(Array.from({ length: 25 }, (_, i) => 100 + i));
  });

  it('never publishes a row twice when several relays run at once', async () => {
    for (let i = 0; i < 3; i += 1) await relay({ pollIntervalMs: 5, batchSize: 7 }).start();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => database.db.transaction((tx) => enqueueEvent(tx, event(200 + i)))),
    );
    await waitFor(() => received.length >= 60, { what: 'sixty events' });
    await waitFor(async () => (await database.db.query('SELECT 1 FROM outbox')).rowCount === 0, {
      what: 'an empty outbox',
    });
    expect(received).toHaveLength(60);
    expect(new Set(received.map((m) => m.id)).size).toBe(60);
  });

  it('keeps the rows when the bus refuses them and publishes them once it accepts again', async () => {
    let refuse = true;
    const flaky: EventBus = {
      publish: (messages) => (refuse ? Promise.reject(new Error('broker down')) : bus.publish(messages)),
      subscribe: (options) => bus.subscribe(options),
      close: async () => {},
    };
    await relay({ pollIntervalMs: 20, bus: flaky }).start();
    await database.db.transaction((tx) => enqueueEvent(tx, event(300)));
    await waitFor(async () => (await database.db.query('SELECT 1 FROM outbox')).rowCount === 1, {
      what: 'the pending row',
    });
    expect(received).toHaveLength(0);
    refuse = false;
    await waitFor(() => received.length === 1, { what: 'the event after recovery' });
    expect(received[0]!.key).toBe('300');
  });
});
