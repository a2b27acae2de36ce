import type { Database, Queryable } from '../db/database.js';
import { DatabaseUnavailableError } from '../db/unavailable.js';
import type { Logger } from '../logger.js';
import { Counter, Gauge, type Registry } from '../metrics.js';
import { inSpan, SpanKind } from '../tracing.js';
import type { Worker } from '../worker.js';
import type { EventBus, EventMessage, Subscription } from './types.js';
import { observeDeadLetters, observeLag } from './backlog-metrics.js';

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
  /** The wait before trying again while the database is unreachable (default 100 ms doubling to 5 s). */
  outageDelayMs?: (waits: number) => number;
}

type Outcome = 'handled' | 'duplicate' | 'dead_lettered';

/**
 * Consumes a topic through the inbox: each event's id is recorded with its effect in one
 * transaction, so a redelivered event changes nothing. A message that keeps failing is set aside
 * in `dead_letter` after bounded retries and the consumer moves on. An unreachable database is
 * not the message's fault: the consumer waits for it (backing off) without counting attempts, and
 * a stop meanwhile leaves the message for the bus to deliver again.
 */
export class InboxConsumer implements Worker {
  readonly name: string;
  private subscription?: Subscription;
  private readonly logger: Logger;
  private readonly maxAttempts: number;
  private readonly retryDelay: (attempt: number) => number;
  private readonly outageDelay: (waits: number) => number;
  private readonly outcomes?: Counter;
  private readonly stopping = new AbortController();

  constructor(private readonly options: ConsumerOptions) {
    this.name = `consumer ${options.group}`;
    this.logger = options.logger.child({ component: 'consumer', group: options.group, topic: options.topic });
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelay = options.retryDelayMs ?? ((attempt) => 100 * 2 ** (attempt - 1));
    this.outageDelay = options.outageDelayMs ?? ((waits) => Math.min(100 * 2 ** waits, 5_000));
    if (options.metrics) {
      this.outcomes = new Counter({
        name: 'events_consumed_total',
        help: 'Consumed events by outcome',
        labelNames: ['topic', 'outcome'],
        registers: [options.metrics],
      });
      const state = () => this.state();
      new Gauge({
        name: 'event_consumer_joined',
        help: 'Whether the consumer has joined its group and receives events (1) or not yet (0)',
        labelNames: ['group', 'topic'],
        registers: [options.metrics],
        collect() {
          this.set({ group: options.group, topic: options.topic }, state() === 'joined' ? 1 : 0);
        },
      });
      observeDeadLetters(options.db, options.metrics, options.group);
      observeLag(options.metrics, options.group, () => this.subscription?.lag());
    }
  }

  /** `connecting`, `joining` or `joined` (receiving events); `stopped` before start and after stop. */
  state(): string {
    return this.subscription?.state() ?? 'stopped';
  }

  async start(): Promise<void> {
    this.subscription = await this.options.bus.subscribe({
      group: this.options.group,
      topic: this.options.topic,
      handler: (message) =>
        // Under the span that wrote the event (as its publish is): the event continues that trace.
        inSpan(
          `process ${message.topic}`,
          {
            kind: SpanKind.CONSUMER,
            parent: message.traceparent,
            service: this.options.group.split('.')[0],
            attributes: {
              'messaging.destination.name': message.topic,
              'messaging.consumer.group.name': this.options.group,
              'messaging.message.id': message.id,
            },
          },
          async () => {
            const outcome = await this.process(message);
            this.outcomes?.inc({ topic: message.topic, outcome });
          },
        ),
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.subscription?.close();
    this.subscription = undefined;
  }

  private async process(message: EventMessage): Promise<Outcome> {
    const event = { eventId: message.id, type: message.type };
    if (!isUuid(message.id)) {
      await this.deadLetter(message, new PoisonMessageError('the event id is not a UUID'), 0);
      return 'dead_lettered';
    }
    for (let attempt = 1, outageWaits = 0; ; attempt += 1) {
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
        if (error instanceof DatabaseUnavailableError) {
          if (this.stopping.signal.aborted) throw error;
          attempt -= 1;
          await this.pause(this.outageDelay(outageWaits++));
          continue;
        }
        if (error instanceof PoisonMessageError || attempt >= this.maxAttempts) {
          await this.deadLetter(message, error, attempt);
          return 'dead_lettered';
        }
        this.logger.warn({ ...event, attempt, err: error }, 'event handling failed; retrying');
        await this.pause(this.retryDelay(attempt));
      }
    }
  }

  /** Waits `ms`, or less when the consumer is stopping. */
  private pause(ms: number): Promise<void> {
    const signal = this.stopping.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
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
