import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { observePool } from '../../src/db/pool-metrics.js';
import { InboxConsumer, PoisonMessageError } from '../../src/events/consumer.js';
import { InMemoryEventBus } from '../../src/events/memory-bus.js';
import { enqueueEvent, OutboxRelay } from '../../src/events/outbox.js';
import type { EventMessage } from '../../src/events/types.js';
import { createLogger } from '../../src/logger.js';
import { Registry } from '../../src/metrics.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';
import { waitFor } from '../../src/testing/wait.js';
import { sampleOf } from './sample.js';

const logger = createLogger('metrics-test', 'silent');
let database: TestDatabase;
let bus: InMemoryEventBus;
let registry: Registry;
let workers: { stop(): Promise<void> }[];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

beforeEach(async () => {
  await database.db.query('TRUNCATE outbox, inbox, dead_letter');
  bus = new InMemoryEventBus();
  registry = new Registry();
  workers = [];
});
afterEach(async () => {
  for (const worker of workers) await worker.stop();
  await bus.close();
});

const event = (key: string) => ({ topic: 'user.event', type: 'user.created', key, payload: { key } });

const message = (payload: Record<string, unknown>): EventMessage => ({
  id: randomUUID(),
  type: 'user.created',
  source: 'test',
  time: new Date().toISOString(),
  topic: 'user.event',
  key: '1',
  payload,
});

describe('outbox backlog', () => {
  it('is 0 with age 0 when idle, counts unpublished events and their age, and drops to 0 once published', async () => {
    const relay = new OutboxRelay({ db: database.db, bus, source: 'app-user', logger, metrics: registry });
    expect(await sampleOf(registry, 'outbox_backlog_events')).toBe(0);
    expect(await sampleOf(registry, 'outbox_oldest_event_age_seconds')).toBe(0);

    await database.db.transaction(async (tx) => {
      await enqueueEvent(tx, event('1'));
      await enqueueEvent(tx, event('2'));
    });
    await database.db.query("UPDATE outbox SET created_at = now() - interval '90 seconds'");
    expect(await sampleOf(registry, 'outbox_backlog_events')).toBe(2);
    expect(await sampleOf(registry, 'outbox_oldest_event_age_seconds')).toBeGreaterThanOrEqual(90);

    workers.push(relay);
    await relay.start();
    await waitFor(async () => (await sampleOf(registry, 'outbox_backlog_events')) === 0, {
      what: 'the outbox to drain',
    });
    expect(await sampleOf(registry, 'outbox_oldest_event_age_seconds')).toBe(0);
  });
});

describe('consumer group', () => {
  it('exports 0 dead letters and 0 lag when idle, then the lag of waiting events and each dead letter', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const handled: unknown[] = [];
    const consumer = new InboxConsumer({
      db: database.db,
      bus,
      group: 'test.user-event',
      topic: 'user.event',
      logger,
      metrics: registry,
      retryDelayMs: () => 1,
      handle: async (_tx, m) => {
        if (m.payload.poison) throw new PoisonMessageError('bad payload');
        await held;
        handled.push(m.payload);
      },
    });
    workers.push(consumer);
    await consumer.start();
    const group = { group: 'test.user-event' };
    expect(await sampleOf(registry, 'event_dead_letters', group)).toBe(0);
    expect(await sampleOf(registry, 'event_consumer_lag_events', group)).toBe(0);

    await bus.publish([message({ n: 1 }), message({ n: 2 }), message({ poison: true })]);
    expect(await sampleOf(registry, 'event_consumer_lag_events', group)).toBe(3);

    release();
    await waitFor(async () => (await sampleOf(registry, 'event_consumer_lag_events', group)) === 0, {
      what: 'the group to catch up',
    });
    expect(handled).toHaveLength(2);
    expect(await sampleOf(registry, 'event_dead_letters', group)).toBe(1);
  });
});

describe('database pool', () => {
  it('shows open, idle and waiting connections', async () => {
    observePool(database.db, registry);
    const client = await database.db.connect();
    try {
      expect(
        await sampleOf(registry, 'database_pool_connections', { state: 'total' }),
      ).toBeGreaterThanOrEqual(1);
      const idle = (await sampleOf(registry, 'database_pool_connections', { state: 'idle' }))!;
      expect(idle).toBe(database.db.pool.totalCount - 1);
      expect(await sampleOf(registry, 'database_pool_waiting_clients')).toBe(0);
    } finally {
      client.release();
    }
    expect(await sampleOf(registry, 'database_pool_connections', { state: 'idle' })).toBe(
      database.db.pool.totalCount,
    );
  });
});
