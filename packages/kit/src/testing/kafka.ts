import { randomUUID } from 'node:crypto';
import { createTopics, eventTopics } from '../events/kafka-topics.js';

/**
 * The suite's Kafka cluster: TEST_KAFKA_BROKERS, which the global setup sets to the real cluster it
 * starts for a run whose files call `testKafka()` (or which names an existing cluster). `skip` says
 * why there is none (Java or Maven missing). The cluster creates no topic on first use: a test
 * creates its own (`createTestTopics`), named apart from every other file's.
 */
export function testKafka(): { brokers: string[]; skip?: undefined } | { brokers?: undefined; skip: string } {
  const brokers = process.env.TEST_KAFKA_BROKERS;
  if (brokers) return { brokers: brokers.split(',') };
  return { skip: process.env.TEST_KAFKA_SKIP ?? 'TEST_KAFKA_BROKERS is not set (the global setup sets it)' };
}

/** A topic prefix (KAFKA_TOPIC_PREFIX) no other test uses: its topics and consumer groups are its own. */
export function testTopicPrefix(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}.`;
}

/** Creates the system's topics, or the `names` given (3 partitions each), each named with `prefix` before it. */
export async function createTestTopics(brokers: string[], prefix: string, names?: string[]): Promise<void> {
  await createTopics(
    brokers,
    names ? names.map((name) => ({ name: `${prefix}${name}`, partitions: 3 })) : eventTopics(prefix),
  );
}
