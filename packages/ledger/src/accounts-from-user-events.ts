import { USER_TOPIC } from '@adboard/contracts';
import {
  topicConsumer,
  type Database,
  type EventBus,
  type InboxConsumer,
  type Logger,
  type Registry,
} from '@adboard/kit';
import { Ledger } from './ledger.js';

/**
 * Opens an account (balance 0) for every registered user, from `user.event` through the inbox: a
 * redelivered event opens nothing more, and an event for an existing account is not an error.
 */
export function openAccountsFromUserEvents(options: {
  service: string;
  db: Database;
  bus: EventBus;
  logger: Logger;
  metrics?: Registry;
}): InboxConsumer {
  return topicConsumer({
    db: options.db,
    bus: options.bus,
    group: `${options.service}.user-event`,
    topic: USER_TOPIC,
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    handle: async (tx, { action, id }) => {
      if (action !== 'create') return;
      const opened = await new Ledger(tx).open(id);
      options.logger.info({ userId: id, opened }, opened ? 'account opened' : 'account already open');
    },
  });
}
