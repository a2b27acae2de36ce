/**
 * One event as it travels: the payload the contract describes plus the metadata every message
 * carries (id, type, source, time, trace context). On Kafka the metadata rides in CloudEvents
 * headers (`ce_id`, `ce_type`, ...) and the value is the JSON payload.
 */
export interface EventMessage {
  id: string;
  type: string;
  source: string;
  time: string;
  topic: string;
  key: string;
  payload: Record<string, unknown>;
  traceparent?: string;
}

export type MessageHandler = (message: EventMessage) => Promise<void>;

export interface SubscriptionOptions {
  /** Consumer group: each group sees every message; within a group each message goes to one member. */
  group: string;
  topic: string;
  handler: MessageHandler;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * The event bus port. Delivery is at least once: a message whose handler throws is delivered
 * again, so handlers must be idempotent (the inbox makes them so). Order is kept per key.
 */
export interface EventBus {
  /** Resolves once the bus has durably accepted every message. */
  publish(messages: EventMessage[]): Promise<void>;
  /** Resolves once the subscription is live; a new group starts from the oldest retained message. */
  subscribe(options: SubscriptionOptions): Promise<Subscription>;
  close(): Promise<void>;
}
