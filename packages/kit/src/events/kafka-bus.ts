import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from '../logger.js';
import { encodeMessage } from './kafka-codec.js';
import { KafkaSubscription } from './kafka-subscription.js';
import type { EventBus, EventMessage, Subscription, SubscriptionOptions } from './types.js';

export { decodeMessage, encodeMessage } from './kafka-codec.js';

export interface KafkaEventBusOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /**
   * Group membership timing. The default 10 s session means a member that crashed (kill -9, no
   * chance to leave the group) holds its partitions for at most 10 s before a restart takes over.
   */
  consumerTiming?: { sessionTimeout: number; rebalanceTimeout: number; heartbeatInterval: number };
  /**
   * Longest a fetch waits for new messages. A real broker answers as soon as a message arrives;
   * librdkafka's mock cluster always waits this long, so it bounds delivery latency there.
   */
  fetchMaxWaitMs?: number;
}

const toPinoLevel: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** The distributed mode's event bus: Kafka through kafkajs, one consumer per subscription. */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private producerConnected?: Promise<void>;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly logger: Logger;
  private readonly consumerTiming: KafkaEventBusOptions['consumerTiming'];
  private readonly fetchMaxWaitMs: number;

  constructor(options: KafkaEventBusOptions) {
    this.logger = options.logger.child({ component: 'kafka' });
    this.consumerTiming = options.consumerTiming ?? {
      sessionTimeout: 10_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 1_000,
    };
    this.fetchMaxWaitMs = options.fetchMaxWaitMs ?? 50;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log }) => {
          const { message, ...extra } = log;
          this.logger[toPinoLevel[level] ?? 'info'](extra, message);
        },
    });
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: true,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async publish(messages: EventMessage[]): Promise<void> {
    if (messages.length === 0) return;
    this.producerConnected ??= this.producer.connect();
    await this.producerConnected;
    const byTopic = new Map<string, ReturnType<typeof encodeMessage>[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push(encodeMessage(message));
      byTopic.set(message.topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
    });
  }

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    const subscription = new KafkaSubscription(
      this.kafka,
      {
        groupId: options.group,
        allowAutoTopicCreation: true,
        maxWaitTimeInMs: this.fetchMaxWaitMs,
        ...this.consumerTiming,
      },
      options,
      this.logger,
    );
    this.subscriptions.add(subscription);
    return {
      joined: subscription.joined,
      state: () => subscription.state(),
      lag: () => subscription.lag(),
      close: async () => {
        this.subscriptions.delete(subscription);
        await subscription.close();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.subscriptions.clear();
    if (this.producerConnected) await this.producer.disconnect().catch(() => undefined);
  }
}
