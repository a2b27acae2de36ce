import {
  InboxConsumer,
  PoisonMessageError,
  type Database,
  type EventBus,
  type Logger,
  type Registry,
} from '@adboard/kit';
import { NotificationRepository } from '../data/notification-repository.js';

export const ORDER_TOPIC = 'order.event';

/** Stores a notification for every `order.event`, through the inbox: a redelivered event is stored once. */
export function notificationsFromOrderEvents(options: {
  db: Database;
  bus: EventBus;
  logger: Logger;
  metrics: Registry;
}): InboxConsumer {
  return new InboxConsumer({
    ...options,
    group: 'app-notify.order-event',
    topic: ORDER_TOPIC,
    handle: async (tx, message) => {
      const { userId, email, text } = message.payload;
      if (
        !Number.isSafeInteger(userId) ||
        typeof email !== 'string' ||
        typeof text !== 'string' ||
        text === ''
      ) {
        throw new PoisonMessageError('order.event needs userId (integer), email and text');
      }
      await new NotificationRepository(tx).add(message.id, { userId: userId as number, email, text });
    },
  });
}
