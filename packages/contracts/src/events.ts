import { Type, type Static, type TObject } from '@sinclair/typebox';

/** A topic, how many partitions it is created with, and the payload every event on it carries. */
export interface Topic<Payload extends TObject = TObject> {
  name: string;
  /** Consumers of one group share a topic's partitions: up to this many replicas consume in parallel. */
  partitions: number;
  payload: Payload;
}

/**
 * `user.event` (app-user → app-billing, app-bonus): a user was registered (`action: "create"`);
 * readers ignore other actions.
 */
export const UserEvent = Type.Object({
  action: Type.String(),
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  username: Type.String(),
  email: Type.String(),
  firstName: Type.Optional(Type.String()),
  lastName: Type.Optional(Type.String()),
});
export type UserEvent = Static<typeof UserEvent>;

export const USER_TOPIC: Topic<typeof UserEvent> = { name: 'user.event', partitions: 3, payload: UserEvent };

/**
 * `order.event` (app-adv → app-notify): the outcome of one purchase attempt. A reader needs only
 * `userId`, `email` and `text`; the rest describes the purchase.
 */
export const OrderEvent = Type.Object({
  userId: Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
  email: Type.String(),
  text: Type.String({ minLength: 1 }),
  advertisementId: Type.Optional(Type.Integer()),
  purchaseId: Type.Optional(Type.String()),
  cost: Type.Optional(Type.Integer()),
  outcome: Type.Optional(Type.Union([Type.Literal('succeeded'), Type.Literal('failed')])),
});
export type OrderEvent = Static<typeof OrderEvent>;

export const ORDER_TOPIC: Topic<typeof OrderEvent> = {
  name: 'order.event',
  partitions: 3,
  payload: OrderEvent,
};

/** Every topic of the system: created explicitly (the brokers do not create topics on first use). */
export const TOPICS: readonly Topic[] = [USER_TOPIC, ORDER_TOPIC];
