import type { Database, Queryable } from '../db/database.js';
import { isTransientError } from '../db/transient.js';
import { DatabaseUnavailableError } from '../db/unavailable.js';
import type { Logger } from '../logger.js';
import { Counter, Gauge, type Registry } from '../metrics.js';
import { RepeatedFailure } from '../repeated-failure.js';
import { inSpan, SpanKind } from '../tracing.js';
import type { Worker } from '../worker.js';
import type { EventBus, EventMessage, Subscription } from './types.js';
import { observeDeadLetters, observeLag } from './backlog-metrics.js';
import { bytesOf, storeDeadLetter } from './dead-letters.js';

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
  /** Attempts a message gets while its handling fails for a reason of its own (default 5). */
  maxAttempts?: number;
  /** The wait after the `attempt`th such failure (default 100 ms, doubling: 1.5 s over the five). */
  retryDelayMs?: (attempt: number) => number;
  /**
   * Attempts a message gets while the database fails it transiently — deadlock, serialization
   * failure, statement timeout, lock not available (default 20: about 70 s with the default backoff).
   */
  maxTransientAttempts?: number;
  /**
   * The wait before the `n`th retry (from 0) of a failure that is the database's: unreachable, or
   * transient (default 100 ms doubling to 5 s).
   */
  backoffMs?: (n: number) => number;
}

type Outcome = 'handled' | 'duplicate' | 'dead_lettered' | 'dropped';

/**
 * Consumes a topic through the inbox: each event's id is recorded with its effect in one
 * transaction, so a redelivered event changes nothing. No single message stops the consumer: one
 * that keeps failing is set aside in `dead_letter` after bounded retries (at once when it can never
 * succeed) and the consumer moves on. The database's own failures are not the message's: while it
 * is unreachable the consumer waits (backing off) without counting attempts, a transient failure
 * (deadlock, timeout...) gets a longer budget of retries, and a stop meanwhile leaves the message
 * for the bus to deliver again.
 */
export class InboxConsumer implements Worker {
  readonly name: string;
  private subscription?: Subscription;
  private readonly logger: Logger;
  private readonly maxAttempts: number;
  private readonly retryDelay: (attempt: number) => number;
  private readonly maxTransientAttempts: number;
  private readonly backoff: (n: number) => number;
  private readonly outcomes?: Counter;
  private readonly dropped?: Counter;
  private readonly stopping = new AbortController();

  constructor(private readonly options: ConsumerOptions) {
    this.name = `consumer ${options.group}`;
    this.logger = options.logger.child({ component: 'consumer', group: options.group, topic: options.topic });
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelay = options.retryDelayMs ?? ((attempt) => 100 * 2 ** (attempt - 1));
    this.maxTransientAttempts = options.maxTransientAttempts ?? 20;
    this.backoff = options.backoffMs ?? ((n) => Math.min(100 * 2 ** n, 5_000));
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
      this.dropped = droppedEvents(options.metrics);
      this.dropped.inc({ group: options.group }, 0);
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
    const unusable = message.undecodable ?? (isUuid(message.id) ? undefined : 'the event id is not a UUID');
    if (unusable !== undefined) return this.setAside(message, new PoisonMessageError(unusable), 0);
    const event = { eventId: message.id, type: message.type };
    const failures = { message: 0, transient: 0 };
    for (let outageWaits = 0; ;) {
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
        const blame = blameOf(error);
        if (blame === 'outage') {
          await this.retryAfter(this.backoff(outageWaits++), error);
          continue;
        }
        failures[blame] += 1;
        const attempts = failures.message + failures.transient;
        const gaveUp =
          error instanceof PoisonMessageError ||
          failures.message >= this.maxAttempts ||
          failures.transient >= this.maxTransientAttempts;
        if (gaveUp) return this.setAside(message, error, attempts);
        this.logger.warn({ ...event, attempt: attempts, err: error }, 'event handling failed; retrying');
        await this.retryAfter(
          blame === 'transient' ? this.backoff(failures.transient - 1) : this.retryDelay(failures.message),
          error,
        );
      }
    }
  }

  /**
   * Waits `ms` before the next try; when the consumer stops meanwhile, throws `error` instead, so
   * the message stays with the bus (another member, or this one restarted, gets it again).
   */
  private async retryAfter(ms: number, error: unknown): Promise<void> {
    await this.pause(ms);
    if (this.stopping.signal.aborted) throw error;
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

  /**
   * Stores the message in `dead_letter`, waiting out an unreachable database for as long as it
   * takes and a transient failure for the same budget as handling; a message the database refuses
   * to store even so is dropped, loudly, so it stops nothing.
   */
  private async setAside(message: EventMessage, error: unknown, attempts: number): Promise<Outcome> {
    const failure = new RepeatedFailure(this.logger, `storing the dead letter of event ${message.id}`);
    for (let transient = 0; ;) {
      try {
        await storeDeadLetter(this.options.db, { consumer: this.options.group, message, error, attempts });
        failure.succeeded();
        this.logger.error({ eventId: message.id, attempts, err: error }, 'event dead-lettered');
        return 'dead_lettered';
      } catch (refusal) {
        const blame = blameOf(refusal);
        if (blame === 'message' || (blame === 'transient' && ++transient >= this.maxTransientAttempts)) {
          this.drop(message, error, refusal);
          return 'dropped';
        }
        failure.failed(refusal, { eventId: message.id });
        await this.retryAfter(this.backoff(failure.count - 1), refusal);
      }
    }
  }

  private drop(message: EventMessage, error: unknown, refusal: unknown): void {
    this.dropped?.inc({ group: this.options.group });
    const raw = bytesOf(message);
    this.logger.error(
      {
        eventId: message.id,
        topic: message.topic,
        key: message.key,
        type: message.type,
        bytes: raw.length,
        rawBase64: raw.subarray(0, 65_536).toString('base64'),
        handlingError: String((error as Error)?.message ?? error),
        err: refusal,
      },
      'event dropped: it could not be stored in dead_letter',
    );
  }
}

/** Whose fault a failure is: the database's being away, the database's passing trouble, or the message's. */
function blameOf(error: unknown): 'outage' | 'transient' | 'message' {
  if (error instanceof DatabaseUnavailableError) return 'outage';
  return isTransientError(error) ? 'transient' : 'message';
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/** One counter per registry, shared by the service's consumers. */
function droppedEvents(registry: Registry): Counter {
  return (
    (registry.getSingleMetric('events_dropped_total') as Counter | undefined) ??
    new Counter({
      name: 'events_dropped_total',
      help: 'Events a consumer group could neither handle nor store in dead_letter (logged as "event dropped")',
      labelNames: ['group'],
      registers: [registry],
    })
  );
}
