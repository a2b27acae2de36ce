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
  /** The value's bytes as they came off the wire (Kafka); the in-process bus carries the payload itself. */
  raw?: Uint8Array;
  /** Why the bus could not read the value as a JSON object (then `payload` is empty): set aside at once. */
  undecodable?: string;
}

export type MessageHandler = (message: EventMessage) => Promise<void>;

export interface SubscriptionOptions {
  /** Consumer group: each group sees every message; within a group each message goes to one member. */
  group: string;
  topic: string;
  handler: MessageHandler;
}

/** Where a subscription stands: still connecting to the bus, waiting to join its group, or receiving. */
export type SubscriptionState = 'connecting' | 'joining' | 'joined' | 'closed';

export interface Subscription {
  /** Resolves the first time the subscription receives messages (its group has been joined). */
  readonly joined: Promise<void>;
  state(): SubscriptionState;
  /** Messages on the topic this member has not handled yet (0 when caught up). */
  lag(): number;
  /** Leaves the group (so a restarted member rejoins at once) after the message in hand. */
  close(): Promise<void>;
}

/**
 * The event bus port. Delivery is at least once: a message whose handler throws is delivered
 * again, so handlers must be idempotent (the inbox makes them so). Order is kept per key.
 */
export interface EventBus {
  /** Resolves once the bus has durably accepted every message. */
  publish(messages: EventMessage[]): Promise<void>;
  /**
   * Starts consuming in the background and resolves at once: joining a group can take as long as a
   * dead member's session (a crashed replica), and a service must not wait for it to serve HTTP.
   * A new group starts from the oldest retained message. Await `joined` to wait for delivery.
   */
  subscribe(options: SubscriptionOptions): Promise<Subscription>;
  close(): Promise<void>;
}
