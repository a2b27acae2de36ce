import { afterAll, beforeAll } from 'vitest';
import { KafkaEventBus } from '../../src/events/kafka-bus.js';
import { createLogger } from '../../src/logger.js';
import { hasMockKafka, startMockKafka, type MockKafka } from '../../src/events/mock-kafka.js';
import { eventBusContract } from './bus-contract.js';

const available = hasMockKafka();
if (!available)
  console.warn('[skip] Kafka adapter contract tests: `kcat` (librdkafka mock cluster) is not on the PATH');

let kafka: MockKafka | undefined;
beforeAll(async () => {
  if (available) kafka = await startMockKafka();
}, 20_000);
afterAll(() => kafka?.stop());

eventBusContract(
  'Kafka (kafkajs against the librdkafka mock cluster)',
  async () =>
    new KafkaEventBus({
      brokers: [kafka!.brokers],
      clientId: 'contract',
      logger: createLogger('contract', process.env.KAFKA_TEST_LOG ?? 'fatal'),
      consumerTiming: { sessionTimeout: 6_000, rebalanceTimeout: 6_000, heartbeatInterval: 500 },
    }),
  { skip: !available, timeoutMs: 20_000 },
);
