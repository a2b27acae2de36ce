import type { Topic } from '@adboard/contracts';
import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Queryable } from '../db/database.js';
import { InboxConsumer, PoisonMessageError, type ConsumerOptions } from './consumer.js';
import type { NewEvent } from './outbox.js';
import type { EventMessage } from './types.js';

/** Why `payload` breaks the topic's contract, or undefined when it keeps it. */
function breachOf(topic: Topic, payload: unknown): string | undefined {
  const error = Value.Errors(topic.payload, payload).First();
  return error && `${topic.name} payload breaks its contract at "${error.path}": ${error.message}`;
}

/** An event for the outbox; a payload that breaks the topic's contract is a programming error and throws. */
export function eventOn<Payload extends TObject>(
  topic: Topic<Payload>,
  event: { type: string; key: string; payload: Static<Payload> },
): NewEvent {
  const breach = breachOf(topic, event.payload);
  if (breach) throw new Error(breach);
  return { topic: topic.name, ...event };
}

/** What a service hands a consumer of its own: where the inbox lives, the bus, the log, the metrics. */
export type ConsumerPorts = Pick<ConsumerOptions, 'db' | 'bus' | 'logger' | 'metrics'>;

/**
 * An inbox consumer of one topic whose handler receives the payload as its contract types it. An
 * event that breaks the contract is dead-lettered without reaching the handler.
 */
export function topicConsumer<Payload extends TObject>(
  options: Omit<ConsumerOptions, 'topic' | 'handle'> & {
    topic: Topic<Payload>;
    handle: (tx: Queryable, payload: Static<Payload>, message: EventMessage) => Promise<void>;
  },
): InboxConsumer {
  const { topic, handle, ...rest } = options;
  return new InboxConsumer({
    ...rest,
    topic: topic.name,
    handle: (tx, message) => {
      const breach = breachOf(topic, message.payload);
      if (breach) throw new PoisonMessageError(breach);
      return handle(tx, message.payload as Static<Payload>, message);
    },
  });
}
