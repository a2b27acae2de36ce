import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxConsumer } from '../../src/events/consumer.js';
import { KafkaEventBus } from '../../src/events/kafka-bus.js';
import { enqueueEvent, OutboxRelay } from '../../src/events/outbox.js';
import { createLogger } from '../../src/logger.js';
import { Registry } from '../../src/metrics.js';
import { createTestTopics, testKafka, testTopicPrefix } from '../../src/testing/kafka.js';
import { KafkaNetworkFaults } from '../../src/testing/kafka-faults.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';
import { waitFor } from '../../src/testing/wait.js';

const kafka = testKafka();
if (kafka.skip) console.warn(`[skip] outbox relay on Kafka: ${kafka.skip}`);

const logger = createLogger('outbox-kafka-test', process.env.KAFKA_TEST_LOG ?? 'fatal');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.query('CREATE TABLE effects (n serial, event_id uuid)');
});
afterAll(() => database?.drop());

/** One user's events: one key, so one partition, in order. */
const userEvent = (action: string) => ({
  topic: 'user.event',
  type: `user.${action}`,
  key: '7',
  payload: { action, id: 7 },
});

describe.skipIf(kafka.skip !== undefined)(
  'outbox relay on Kafka: a send whose outcome is unknown',
  { timeout: 120_000 },
  () => {
    it('is sent again, by a new producer; the consumer handles it once, though the brokers have it twice or more', async () => {
      const brokers = kafka.brokers!;
      const topicPrefix = testTopicPrefix('unknown-outcome');
      await createTestTopics(brokers, topicPrefix, ['user.event']);
      const faults = await KafkaNetworkFaults.start(brokers);
      const timing = { sessionTimeout: 6_000, rebalanceTimeout: 6_000, heartbeatInterval: 500 };
      const producing = new KafkaEventBus({
        brokers,
        clientId: 'outbox-kafka-test',
        logger,
        topicPrefix,
        socketFactory: faults.socketFactory,
      });
      const consuming = new KafkaEventBus({
        brokers,
        clientId: 'outbox-kafka-test',
        logger,
        topicPrefix,
        consumerTiming: timing,
      });
      const metrics = new Registry();
      const relayOptions = { db: database.db, bus: producing, source: 'outbox-kafka-test', logger };
      let relay = new OutboxRelay({ ...relayOptions, metrics, pollIntervalMs: 100 });
      const consumer = new InboxConsumer({
        db: database.db,
        bus: consuming,
        group: 'test.effects',
        topic: 'user.event',
        logger,
        handle: async (tx, message) =>
          void (await tx.query('INSERT INTO effects (event_id) VALUES ($1)', [message.id])),
      });
      const copies = new Map<string, number>(); // every record on the topic, by event id
      const witness = await consuming.subscribe({
        group: 'witness',
        topic: 'user.event',
        handler: async (message) => void copies.set(message.id, (copies.get(message.id) ?? 0) + 1),
      });
      const failedSends = async () =>
        (await metrics.getSingleMetric('outbox_publish_failures_total')!.get()).values[0]?.value ?? 0;
      try {
        await Promise.all([witness.joined, consumer.start().then(() => undefined)]);
        faults.losingProduceAnswers = true;
        await relay.start();
        const created = await database.db.transaction((tx) => enqueueEvent(tx, userEvent('create')));
        // The brokers write it and answer; every answer is lost until the producer gives up.
        await waitFor(async () => (await failedSends()) >= 1, {
          timeoutMs: 40_000,
          what: 'the relay to see its send fail',
        });
        expect(faults.lost).toBeGreaterThan(0);
        await relay.stop();
        faults.losingProduceAnswers = false;
        // Each failed send wrote the event once: the producer's own retries were idempotent.
        const writtenInDoubt = await failedSends();
        // A later event of the same user goes out in the batch that sends it again, behind it.
        const updated = await database.db.transaction((tx) => enqueueEvent(tx, userEvent('update')));
        relay = new OutboxRelay({ ...relayOptions, pollIntervalMs: 100 });
        await relay.start();
        await waitFor(async () => (await database.db.query('SELECT 1 FROM outbox')).rowCount === 0, {
          timeoutMs: 30_000,
          what: 'the outbox to be published',
        });
        await waitFor(() => copies.get(created) === writtenInDoubt + 1 && copies.get(updated) === 1, {
          timeoutMs: 20_000,
          what: `the event ${writtenInDoubt + 1} times on the topic (once per failed send, once resent), the later one once`,
        });
        // One partition, in order: once the later event's effect is there, the copy was consumed too.
        await waitFor(
          async () =>
            (await database.db.query('SELECT 1 FROM effects WHERE event_id = $1', [updated])).rowCount,
          { timeoutMs: 20_000, what: "the later event's effect" },
        );
        const { rows } = await database.db.query<{ event_id: string; n: number }>(
          'SELECT event_id, count(*)::int AS n FROM effects GROUP BY event_id ORDER BY min(n)',
        );
        expect(rows).toEqual([
          { event_id: created, n: 1 },
          { event_id: updated, n: 1 },
        ]);
      } finally {
        await relay.stop();
        await consumer.stop();
        await witness.close();
        await producing.close();
        await consuming.close();
        await faults.stop();
      }
    });
  },
);
