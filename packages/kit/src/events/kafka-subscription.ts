import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import type { Logger } from '../logger.js';
import { RepeatedFailure } from '../repeated-failure.js';
import { decodeMessage } from './kafka-codec.js';
import type { Subscription, SubscriptionOptions, SubscriptionState } from './types.js';

const RESTART_DELAY_MS = (failures: number) => Math.min(250 * 2 ** failures, 10_000);

/**
 * One consumer-group member kept alive in the background: it connects, joins and consumes; when
 * the broker is unreachable or the consumer crashes for good it starts a fresh member after a
 * backoff, for as long as the subscription is open. Closing it leaves the group.
 */
export class KafkaSubscription implements Subscription {
  readonly joined: Promise<void>;
  private markJoined!: () => void;
  private current: SubscriptionState = 'connecting';
  private consumer?: Consumer;
  private readonly closing = new AbortController();
  private readonly loop: Promise<void>;
  private readonly failure: RepeatedFailure;
  /** Per partition this member owns: messages up to the high watermark its last batch saw, not yet handled. */
  private readonly partitionLag = new Map<number, number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly config: ConsumerConfig,
    /** As subscribed; `kafkaTopic` is the topic's name on the cluster (with the bus's prefix). */
    private readonly options: SubscriptionOptions & { kafkaTopic: string },
    logger: Logger,
  ) {
    this.joined = new Promise((resolve) => (this.markJoined = resolve));
    this.failure = new RepeatedFailure(
      logger.child({ group: options.group, topic: options.topic }),
      `consumer group ${options.group}`,
    );
    this.loop = this.keepConsuming();
  }

  state(): SubscriptionState {
    return this.current;
  }

  /**
   * From the batches' instrumentation: at a batch's start everything from its first message to the
   * partition's end is waiting; at its end, what came after its last message. No broker round trip.
   */
  lag(): number {
    let sum = 0;
    for (const lag of this.partitionLag.values()) sum += lag;
    return sum;
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.consumer?.disconnect().catch(() => undefined);
    await this.loop;
    this.current = 'closed';
  }

  private async keepConsuming(): Promise<void> {
    while (!this.closing.signal.aborted) {
      // Restarts after a crash are this loop's, never kafkajs's own: a restart kafkajs scheduled
      // would rejoin the group after close() and leave a member nobody owns.
      const consumer = this.kafka.consumer({
        ...this.config,
        retry: { ...this.config.retry, restartOnFailure: async () => false },
      });
      this.consumer = consumer;
      try {
        const gaveUp = this.watch(consumer);
        this.current = 'connecting';
        await consumer.connect();
        await consumer.subscribe({ topic: this.options.kafkaTopic, fromBeginning: true });
        this.current = 'joining';
        await consumer.run({
          eachMessage: async ({ partition, message }) =>
            this.options.handler(decodeMessage(this.options.topic, partition, message)),
        });
        await gaveUp;
      } catch (error) {
        if (this.closing.signal.aborted) return;
        this.failure.failed(error);
      }
      await consumer.disconnect().catch(() => undefined);
      await this.pause(RESTART_DELAY_MS(this.failure.count));
    }
  }

  /** Tracks the member's state; resolves (or rejects) when it has stopped for good. */
  private watch(consumer: Consumer): Promise<void> {
    const { GROUP_JOIN, REBALANCING, CRASH, START_BATCH_PROCESS, END_BATCH_PROCESS } = consumer.events;
    consumer.on(GROUP_JOIN, () => {
      this.partitionLag.clear(); // the partitions may have moved to other members
      this.current = 'joined';
      this.failure.succeeded();
      this.markJoined();
    });
    consumer.on(REBALANCING, () => (this.current = 'joining'));
    consumer.on(START_BATCH_PROCESS, ({ payload }) =>
      this.partitionLag.set(payload.partition, Number(payload.offsetLagLow) + 1),
    );
    consumer.on(END_BATCH_PROCESS, ({ payload }) =>
      this.partitionLag.set(payload.partition, Number(payload.offsetLag)),
    );
    return new Promise<void>((resolve, reject) => {
      consumer.on(CRASH, ({ payload }) => reject(payload.error));
      this.closing.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  private pause(ms: number): Promise<void> {
    const signal = this.closing.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
