import { KafkaEventBus } from '../../src/events/kafka-bus.js';
import { createLogger } from '../../src/logger.js';
import { createTestTopics, testKafka, testTopicPrefix } from '../../src/testing/kafka.js';
import { eventBusContract } from './bus-contract.js';

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
