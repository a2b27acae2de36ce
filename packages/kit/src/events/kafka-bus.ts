import {
  Kafka,
  logLevel,
  Partitioners,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import type { Logger } from '../logger.js';
import type { EventBus, EventMessage, Subscription, SubscriptionOptions } from './types.js';

export interface KafkaEventBusOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** How long `subscribe` waits for the consumer to join its group. */
  joinTimeoutMs?: number;
  /** Group membership timing; kafkajs defaults (30 s session, 60 s rebalance, 3 s heartbeat) when absent. */
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

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value[0] : value)?.toString();
}

/** CloudEvents binary mode: metadata in `ce_*` headers, the payload as the JSON value. */
export function encodeMessage(message: EventMessage) {
  return {
    key: message.key,
    value: JSON.stringify(message.payload),
    headers: {
      ce_specversion: '1.0',
      ce_id: message.id,
      ce_type: message.type,
      ce_source: message.source,
      ce_time: message.time,
      'content-type': 'application/json',
      ...(message.traceparent ? { traceparent: message.traceparent } : {}),
    },
  };
}

export function decodeMessage(topic: string, partition: number, message: KafkaMessage): EventMessage {
  const text = message.value?.toString() ?? '';
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    payload =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : { raw: text };
  } catch {
    payload = { raw: text };
  }
  const traceparent = header(message.headers, 'traceparent');
  return {
    id: header(message.headers, 'ce_id') ?? `${topic}/${partition}/${message.offset}`,
    type: header(message.headers, 'ce_type') ?? 'unknown',
    source: header(message.headers, 'ce_source') ?? 'unknown',
    time: header(message.headers, 'ce_time') ?? new Date(Number(message.timestamp)).toISOString(),
    topic,
    key: message.key?.toString() ?? '',
    payload,
    ...(traceparent ? { traceparent } : {}),
  };
}

/** The distributed mode's event bus: Kafka through kafkajs, one consumer per subscription. */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private producerConnected?: Promise<void>;
  private readonly consumers = new Set<Consumer>();
  private readonly logger: Logger;
  private readonly joinTimeoutMs: number;
  private readonly consumerTiming: KafkaEventBusOptions['consumerTiming'];
  private readonly fetchMaxWaitMs: number;

  constructor(options: KafkaEventBusOptions) {
    this.logger = options.logger.child({ component: 'kafka' });
    this.joinTimeoutMs = options.joinTimeoutMs ?? 60_000;
    this.consumerTiming = options.consumerTiming;
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

  async subscribe({ group, topic, handler }: SubscriptionOptions): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      groupId: group,
      allowAutoTopicCreation: true,
      maxWaitTimeInMs: this.fetchMaxWaitMs,
      ...this.consumerTiming,
    });
    this.consumers.add(consumer);
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`consumer group ${group} did not join within ${this.joinTimeoutMs} ms`)),
        this.joinTimeoutMs,
      );
      consumer.on(consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => handler(decodeMessage(topic, partition, message)),
      });
      await joined;
    } catch (error) {
      this.consumers.delete(consumer);
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    return {
      close: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.disconnect().catch(() => undefined)));
    this.consumers.clear();
    if (this.producerConnected) await this.producer.disconnect().catch(() => undefined);
  }
}
