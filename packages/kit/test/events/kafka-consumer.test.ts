import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxConsumer, PoisonMessageError } from '../../src/events/consumer.js';
import { encodeMessage, KafkaEventBus } from '../../src/events/kafka-bus.js';
import { createLogger } from '../../src/logger.js';
import { createTestTopics, testKafka, testTopicPrefix } from '../../src/testing/kafka.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';
import { waitFor } from '../../src/testing/wait.js';

const kafka = testKafka();
if (kafka.skip) console.warn(`[skip] inbox consumer on Kafka: ${kafka.skip}`);

const logger = createLogger('kafka-consumer-test', process.env.KAFKA_TEST_LOG ?? 'fatal');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.query('CREATE TABLE effects (event_id uuid)');
}, 20_000);
afterAll(() => database.drop());

/** A record as any producer could write it: these value bytes, CloudEvents headers of a fresh id. */
function record(value: Buffer) {
  const { headers } = encodeMessage({
    id: randomUUID(),
    type: 'user.created',
    source: 'kafka-consumer-test',
    time: new Date().toISOString(),
    topic: '',
    key: '',
    payload: {},
  });
  return { key: '1', value, headers };
}

describe.skipIf(kafka.skip !== undefined)('inbox consumer on Kafka', { timeout: 60_000 }, () => {
  it('sets aside records it cannot decode or store, keeping their bytes, and handles the next', async () => {
    const prefix = testTopicPrefix('poison');
    const topic = 'poison';
    await createTestTopics(kafka.brokers!, prefix, [topic]);
    const bus = new KafkaEventBus({
      brokers: kafka.brokers!,
      clientId: 'poison-test',
      logger,
      topicPrefix: prefix,
    });
    const consumer = new InboxConsumer({
      db: database.db,
      bus,
      group: 'test.poison',
      topic,
      logger,
      handle: async (tx, message) => {
        if (message.payload.good !== true) throw new PoisonMessageError('not a good event');
        await tx.query('INSERT INTO effects VALUES ($1)', [message.id]);
      },
    });
    const producer = new Kafka({ brokers: kafka.brokers!, logLevel: logLevel.NOTHING }).producer();
    const notUtf8 = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    const withNul = Buffer.from('{"text":"a\\u0000b"}');
    try {
      await producer.connect();
      await producer.send({
        topic: prefix + topic,
        messages: [record(notUtf8), record(withNul), record(Buffer.from('{"good":true}'))],
      });
      await consumer.start();
      await waitFor(async () => (await database.db.query('SELECT 1 FROM effects')).rowCount === 1, {
        timeoutMs: 30_000,
        what: 'the good event after the two poison ones',
      });
      const { rows } = await database.db.query('SELECT raw, payload, error FROM dead_letter ORDER BY id');
      expect(rows).toEqual([
        { raw: notUtf8, payload: null, error: 'the value is not UTF-8' },
        { raw: withNul, payload: null, error: 'not a good event' },
      ]);
    } finally {
      await producer.disconnect();
      await consumer.stop();
      await bus.close();
    }
  });
});
