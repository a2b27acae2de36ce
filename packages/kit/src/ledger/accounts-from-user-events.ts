import type { Database } from '../db/database.js';
import { InboxConsumer, PoisonMessageError } from '../events/consumer.js';
import type { EventBus } from '../events/types.js';
import type { Logger } from '../logger.js';
import type { Registry } from '../metrics.js';
import { Ledger } from './ledger.js';

export const USER_EVENTS_TOPIC = 'user.event';

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
  return new InboxConsumer({
    db: options.db,
    bus: options.bus,
    group: `${options.service}.user-event`,
    topic: USER_EVENTS_TOPIC,
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    handle: async (tx, message) => {
      const { action, id } = message.payload;
      if (action !== 'create') return;
      if (!Number.isSafeInteger(id) || (id as number) < 1) {
        throw new PoisonMessageError(`user.event "create" without a valid user id: ${JSON.stringify(id)}`);
      }
      const opened = await new Ledger(tx).open(id as number);
      options.logger.info({ userId: id, opened }, opened ? 'account opened' : 'account already open');
    },
  });
}
