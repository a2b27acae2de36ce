import type { Database, Queryable } from '../db/database.js';
import type { Logger } from '../logger.js';
import { Counter, type Registry } from '../metrics.js';
import { traceFrom, withTrace } from '../trace.js';
import type { Worker } from '../worker.js';
import type { EventBus, EventMessage, Subscription } from './types.js';

/** Thrown by a handler for a message that can never succeed (bad payload): dead-lettered at once. */
export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError';
}

export interface ConsumerOptions {
  db: Database;
  bus: EventBus;
  /** The consumer group, also the inbox's consumer name, e.g. `app-billing.user-event`. */
  group: string;
  topic: string;
  logger: Logger;
  metrics?: Registry;
  /** The effect of one message, run in the same transaction that records its id in the inbox. */
  handle: (tx: Queryable, message: EventMessage) => Promise<void>;
  maxAttempts?: number;
  retryDelayMs?: (attempt: number) => number;
}

type Outcome = 'handled' | 'duplicate' | 'dead_lettered';

/**
 * Consumes a topic through the inbox: each event's id is recorded with its effect in one
 * transaction, so a redelivered event changes nothing. A message that keeps failing is set aside
 * in `dead_letter` after bounded retries and the consumer moves on; only when even that cannot be
 * written (the database is down) does the bus redeliver it later.
 */
export class InboxConsumer implements Worker {
  readonly name: string;
  private subscription?: Subscription;
  private readonly logger: Logger;
  private readonly maxAttempts: number;
  private readonly retryDelay: (attempt: number) => number;
  private readonly outcomes?: Counter;

  constructor(private readonly options: ConsumerOptions) {
    this.name = `consumer ${options.group}`;
    this.logger = options.logger.child({ component: 'consumer', group: options.group, topic: options.topic });
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelay = options.retryDelayMs ?? ((attempt) => 100 * 2 ** (attempt - 1));
    if (options.metrics) {
      this.outcomes = new Counter({
        name: 'events_consumed_total',
        help: 'Consumed events by outcome',
        labelNames: ['topic', 'outcome'],
        registers: [options.metrics],
      });
    }
  }

  async start(): Promise<void> {
    this.subscription = await this.options.bus.subscribe({
      group: this.options.group,
      topic: this.options.topic,
      handler: (message) =>
        withTrace(traceFrom(message.traceparent), async () => {
          const outcome = await this.process(message);
          this.outcomes?.inc({ topic: message.topic, outcome });
        }),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  private async process(message: EventMessage): Promise<Outcome> {
    const event = { eventId: message.id, type: message.type };
    if (!isUuid(message.id)) {
      await this.deadLetter(message, new PoisonMessageError('the event id is not a UUID'), 0);
      return 'dead_lettered';
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        const handled = await this.options.db.transaction(async (tx) => {
          const recorded = await tx.query(
            'INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
            [this.options.group, message.id],
          );
          if (recorded.rowCount === 0) return false;
          await this.options.handle(tx, message);
          return true;
        });
        this.logger.info(event, handled ? 'event handled' : 'duplicate event skipped');
        return handled ? 'handled' : 'duplicate';
      } catch (error) {
        if (error instanceof PoisonMessageError || attempt >= this.maxAttempts) {
          await this.deadLetter(message, error, attempt);
          return 'dead_lettered';
        }
        this.logger.warn({ ...event, attempt, err: error }, 'event handling failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, this.retryDelay(attempt)));
      }
    }
  }

  private async deadLetter(message: EventMessage, error: unknown, attempts: number): Promise<void> {
    await this.options.db.query(
      `INSERT INTO dead_letter (consumer, event_id, topic, key, type, payload, error, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        this.options.group,
        message.id,
        message.topic,
        message.key,
        message.type,
        JSON.stringify(message.payload),
        String((error as Error)?.message ?? error),
        attempts,
      ],
    );
    this.logger.error({ eventId: message.id, attempts, err: error }, 'event dead-lettered');
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
