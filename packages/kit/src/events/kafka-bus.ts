import { Kafka, logLevel, Partitioners, type ISocketFactory, type Producer } from 'kafkajs';
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
  /** Longest a fetch waits for new messages; a broker answers as soon as one arrives. */
  fetchMaxWaitMs?: number;
  /**
   * Put before every topic and consumer group name, so that several systems (e.g. test runs) can
   * share one cluster without seeing each other's events (KAFKA_TOPIC_PREFIX; default none).
   */
  topicPrefix?: string;
  /** How the client opens its connections to the brokers (tests put faults between the two). */
  socketFactory?: ISocketFactory;
}

/**
 * Retries of one send, over about 10 s (kafkajs's backoff from 300 ms): a leader that moved is
 * found again meanwhile; past that the send fails and the outbox relay sends again.
 */
const SEND_RETRIES = 5;
/** kafkajs warns of bounded retries on an idempotent producer; a failed send renews it instead. */
const BOUNDED_RETRIES_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

const toPinoLevel: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The distributed mode's event bus: Kafka through kafkajs, one consumer per subscription. It
 * produces idempotently with `acks=all` and never asks the brokers to create a topic.
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private producer?: Promise<Producer>;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly logger: Logger;
  private readonly consumerTiming: KafkaEventBusOptions['consumerTiming'];
  private readonly fetchMaxWaitMs: number;
  private readonly prefix: string;

  constructor(options: KafkaEventBusOptions) {
    this.logger = options.logger.child({ component: 'kafka' });
    this.consumerTiming = options.consumerTiming ?? {
      sessionTimeout: 10_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 1_000,
    };
    this.fetchMaxWaitMs = options.fetchMaxWaitMs ?? 50;
    this.prefix = options.topicPrefix ?? '';
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
      logCreator:
        () =>
        ({ level, log }) => {
          const { message, ...extra } = log;
          if (message === BOUNDED_RETRIES_WARNING) return;
          this.logger[toPinoLevel[level] ?? 'info'](extra, message);
        },
    });
  }

  /**
   * Resolves once the bus has every message with `acks=all`. When it fails, whether the brokers
   * wrote the messages is unknown: the caller sends them again (the outbox relay does), and a
   * message then written twice is skipped by its consumers' inbox.
   */
  async publish(messages: EventMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, ReturnType<typeof encodeMessage>[]>();
    for (const message of messages) {
      const topic = this.prefix + message.topic;
      const list = byTopic.get(topic) ?? [];
      list.push(encodeMessage(message));
      byTopic.set(topic, list);
    }
    const producer = this.producer ?? (this.producer = this.connectProducer());
    try {
      await (
        await producer
      ).sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
      });
    } catch (error) {
      this.renewProducer(producer);
      throw error;
    }
  }

  private async connectProducer(): Promise<Producer> {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: SEND_RETRIES },
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return producer;
  }

  /**
   * After a failed send the idempotent producer's sequence numbers are in doubt (the brokers may
   * have written what it counts as unsent), and every later send to that partition could be
   * refused for good as out of order. The next send starts a new producer, with a new producer id.
   */
  private renewProducer(failed: Promise<Producer>): void {
    if (this.producer !== failed) return;
    this.producer = undefined;
    void failed.then((producer) => producer.disconnect()).catch(() => undefined);
  }

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    const subscription = new KafkaSubscription(
      this.kafka,
      {
        groupId: this.prefix + options.group,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: this.fetchMaxWaitMs,
        ...this.consumerTiming,
      },
      { ...options, kafkaTopic: this.prefix + options.topic },
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
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.then((connected) => connected.disconnect()).catch(() => undefined);
  }
}
