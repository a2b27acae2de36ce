import { TOPICS } from '@adboard/contracts';
import { Kafka, logLevel } from 'kafkajs';

export interface TopicSpec {
  name: string;
  partitions: number;
}

/** Replicas per partition: three, or every broker of a smaller cluster. */
const MAX_REPLICATION = 3;

/**
 * Creates the topics that do not exist yet, each replicated on up to three brokers, and resolves
 * once every partition has a leader. The system never relies on a broker creating topics on first
 * use: a topic exists because this (or an operator's provisioning) created it.
 */
export async function createTopics(brokers: string[], topics: TopicSpec[]): Promise<void> {
  const admin = new Kafka({ brokers, clientId: 'adboard-topics', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { brokers: members } = await admin.describeCluster();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic: topic.name,
        numPartitions: topic.partitions,
        replicationFactor: Math.min(MAX_REPLICATION, members.length),
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** The system's topics (the contracts' list), named with `prefix` as a bus with that topic prefix uses them. */
export function eventTopics(prefix = ''): TopicSpec[] {
  return TOPICS.map((topic) => ({ name: `${prefix}${topic.name}`, partitions: topic.partitions }));
}
