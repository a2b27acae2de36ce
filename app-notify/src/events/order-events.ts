import { ORDER_TOPIC } from '@adboard/contracts';
import { topicConsumer, type ConsumerPorts, type InboxConsumer } from '@adboard/kit';
import { NotificationRepository } from '../data/notification-repository.js';

/** Stores a notification for every `order.event`, through the inbox: a redelivered event is stored once. */
export function notificationsFromOrderEvents(ports: ConsumerPorts): InboxConsumer {
  return topicConsumer({
    ...ports,
    group: 'app-notify.order-event',
    topic: ORDER_TOPIC,
    handle: async (tx, { userId, email, text }, message) => {
      await new NotificationRepository(tx).add(message.id, { userId, email, text });
    },
  });
}
