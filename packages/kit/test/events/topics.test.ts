import { randomUUID } from 'node:crypto';
import { ORDER_TOPIC, USER_TOPIC } from '@adboard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxConsumer } from '../../src/events/consumer.js';
import { InMemoryEventBus } from '../../src/events/memory-bus.js';
import { eventOn, topicConsumer } from '../../src/events/topics.js';
import type { EventMessage } from '../../src/events/types.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';
import { waitFor } from '../../src/testing/wait.js';

let database: TestDatabase;
let bus: InMemoryEventBus;
let consumer: InboxConsumer;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.query('CREATE TABLE opened (user_id int)');
  bus = new InMemoryEventBus();
  consumer = topicConsumer({
    db: database.db,
    bus,
    group: 'test.user-event',
    topic: USER_TOPIC,
    logger: createLogger('topics-test', 'silent'),
    handle: async (tx, { id }) => void (await tx.query('INSERT INTO opened VALUES ($1)', [id])),
  });
  await consumer.start();
});
afterAll(async () => {
  await consumer.stop();
  await bus.close();
  await database.drop();
});

const userEvent = (payload: Record<string, unknown>): EventMessage => ({
  id: randomUUID(),
  type: 'user.created',
  source: 'test',
  time: new Date().toISOString(),
  topic: USER_TOPIC.name,
  key: String(payload.id),
  payload,
});

describe('a topic consumer', () => {
  it('dead-letters an event that breaks the contract and does not apply it', async () => {
    const malformed = userEvent({ action: 'create', id: 0, username: 'nobody', email: 'n@mail.ru' });
    const fine = userEvent({ action: 'create', id: 7, username: 'u7', email: 'u7@mail.ru' });
    await bus.publish([malformed, fine]);
    await waitFor(
      async () => (await database.db.query('SELECT 1 FROM opened WHERE user_id = 7')).rowCount === 1,
      { what: 'the well-formed event' },
    );
    expect((await database.db.query('SELECT user_id FROM opened')).rows).toEqual([{ user_id: 7 }]);
    const letters = await database.db.query('SELECT event_id, error FROM dead_letter');
    expect(letters.rows).toEqual([
      { event_id: malformed.id, error: expect.stringContaining('user.event payload breaks its contract') },
    ]);
  });
});

describe('an event on a topic', () => {
  it('carries the topic name and the payload', () => {
    const payload = { userId: 1, email: 'a@mail.ru', text: 'paid' };
    expect(eventOn(ORDER_TOPIC, { type: 'order.succeeded', key: '1', payload })).toEqual({
      topic: 'order.event',
      type: 'order.succeeded',
      key: '1',
      payload,
    });
  });

  it('refuses a payload that breaks the contract: a programming error', () => {
    expect(() =>
      eventOn(ORDER_TOPIC, {
        type: 'order.failed',
        key: '1',
        payload: { userId: 1, email: 'a@mail.ru', text: '' },
      }),
    ).toThrow(/order\.event payload breaks its contract at "\/text"/);
  });
});
