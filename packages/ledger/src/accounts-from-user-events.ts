import { USER_TOPIC } from '@adboard/contracts';
import { topicConsumer, type ConsumerPorts, type InboxConsumer } from '@adboard/kit';
import { Ledger } from './ledger.js';

/**
 * Opens an account (balance 0) for every registered user, from `user.event` through the inbox: a
 * redelivered event opens nothing more, and an event for an existing account is not an error.
 */
export function openAccountsFromUserEvents({
  service,
  ...ports
}: ConsumerPorts & { service: string }): InboxConsumer {
  return topicConsumer({
    ...ports,
    group: `${service}.user-event`,
    topic: USER_TOPIC,
    handle: async (tx, { action, id }) => {
      if (action !== 'create') return;
      const opened = await new Ledger(tx).open(id);
      ports.logger.info({ userId: id, opened }, opened ? 'account opened' : 'account already open');
    },
  });
}
