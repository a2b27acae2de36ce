import { describe, expect, it } from 'vitest';
import { KafkaEventBus } from '../../src/events/kafka-bus.js';
import { createLogger } from '../../src/logger.js';
import { createTestTopics, testKafka, testTopicPrefix } from '../../src/testing/kafka.js';
import { KafkaNetworkFaults } from '../../src/testing/kafka-faults.js';
import { eventBusContract, message } from './bus-contract.js';

const kafka = testKafka();
if (kafka.skip) console.warn(`[skip] Kafka adapter contract tests: ${kafka.skip}`);

let prefix = '';

eventBusContract(
  'Kafka (kafkajs against a real 3-node Apache Kafka cluster)',
  async () => {
    prefix = testTopicPrefix('contract'); // each test's topics and groups are its own
    return new KafkaEventBus({
      brokers: kafka.brokers!,
      clientId: 'contract',
      logger: createLogger('contract', process.env.KAFKA_TEST_LOG ?? 'fatal'),
      consumerTiming: { sessionTimeout: 6_000, rebalanceTimeout: 6_000, heartbeatInterval: 500 },
      topicPrefix: prefix,
    });
  },
  {
    skip: kafka.skip !== undefined,
    timeoutMs: 20_000,
    createTopic: (topic) => createTestTopics(kafka.brokers!, prefix, [topic]),
  },
);

describe.skipIf(kafka.skip !== undefined)('Kafka event bus, producing', { timeout: 90_000 }, () => {
  it('publishes once the brokers can be reached, after a first send found none', async () => {
    const topicPrefix = testTopicPrefix('unreachable');
    await createTestTopics(kafka.brokers!, topicPrefix, ['events']);
    const faults = await KafkaNetworkFaults.start(kafka.brokers!);
    const bus = new KafkaEventBus({
      brokers: kafka.brokers!,
      clientId: 'unreachable',
      logger: createLogger('unreachable', process.env.KAFKA_TEST_LOG ?? 'fatal'),
      topicPrefix,
      socketFactory: faults.socketFactory,
    });
    try {
      faults.refusing = true;
      await expect(bus.publish([message('events', '1')])).rejects.toThrow();
      faults.refusing = false;
      await expect(bus.publish([message('events', '2')])).resolves.toBeUndefined();
    } finally {
      await bus.close();
      await faults.stop();
    }
  });
});
