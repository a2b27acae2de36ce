import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Database, Queryable } from '../db/database.js';
import type { Logger } from '../logger.js';
import { Counter, type Registry } from '../metrics.js';
import { RepeatedFailure } from '../repeated-failure.js';
import type { Worker } from '../worker.js';
import { outgoingTraceparent } from '../trace.js';
import { endSpan, SpanKind, startSpan } from '../tracing.js';
import type { EventBus, EventMessage } from './types.js';
import { observeOutbox } from './backlog-metrics.js';

export interface NewEvent {
  topic: string;
  type: string;
  key: string;
  payload: Record<string, unknown>;
}

/** Writes an event to the outbox inside the caller's transaction: it is published if and only if that commits. */
export async function enqueueEvent(tx: Queryable, event: NewEvent): Promise<string> {
  const id = randomUUID();
  await tx.query(
    'INSERT INTO outbox (id, topic, key, type, payload, traceparent) VALUES ($1, $2, $3, $4, $5, $6)',
    [id, event.topic, event.key, event.type, JSON.stringify(event.payload), outgoingTraceparent()],
  );
  return id;
}

interface OutboxRow {
  seq: number;
  id: string;
  topic: string;
  key: string;
  type: string;
  payload: Record<string, unknown>;
  traceparent: string | null;
  created_at: Date;
}

export interface OutboxRelayOptions {
  db: Database;
  bus: EventBus;
  /** The producing service, stamped on every event as its source. */
  source: string;
  logger: Logger;
  metrics?: Registry;
  batchSize?: number;
  pollIntervalMs?: number;
}

/**
 * Publishes committed outbox rows: woken by NOTIFY at commit, with a poll as the safety net. Rows
 * are taken `FOR UPDATE SKIP LOCKED`, so several replicas share the work without publishing a row
 * twice at once; a row is deleted only after the bus accepted it (at-least-once).
 */
export class OutboxRelay implements Worker {
  readonly name = 'outbox-relay';
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly logger: Logger;
  private readonly published?: Counter;
  private readonly failures?: Counter;
  private listener?: pg.PoolClient;
  private timer?: NodeJS.Timeout;
  private running = false;
  private draining?: Promise<void>;
  private wakeAgain = false;
  private connecting = false;
  private readonly publishing: RepeatedFailure;
  private readonly listening: RepeatedFailure;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.logger = options.logger.child({ component: 'outbox-relay' });
    this.publishing = new RepeatedFailure(this.logger, 'publishing outbox events');
    this.listening = new RepeatedFailure(
      this.logger,
      'listening for outbox notifications (polling meanwhile)',
    );
    if (options.metrics) {
      this.published = new Counter({
        name: 'outbox_published_total',
        help: 'Events published from the outbox',
        registers: [options.metrics],
      });
      this.failures = new Counter({
        name: 'outbox_publish_failures_total',
        help: 'Failed attempts to publish an outbox batch',
        registers: [options.metrics],
      });
      observeOutbox(options.db, options.metrics);
    }
  }

  async start(): Promise<void> {
    this.running = true;
    await this.listen();
    this.timer = setInterval(() => {
      if (!this.listener && !this.connecting) void this.listen();
      this.wake();
    }, this.pollIntervalMs);
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.draining;
    const listener = this.listener;
    this.listener = undefined;
    if (listener) {
      await listener.query('UNLISTEN outbox').catch(() => undefined);
      this.releaseListener(listener);
    }
  }

  /** Publishes everything pending now; resolves when the outbox was found empty (or on failure). */
  wake(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.draining) {
      this.wakeAgain = true;
      return this.draining;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        void this.wake();
      }
    });
    return this.draining;
  }

  private readonly onNotification = () => void this.wake();

  private readonly onListenerError = (error: Error) => {
    const client = this.listener;
    if (!client) return; // already released by stop()
    this.listening.failed(error);
    this.listener = undefined;
    this.releaseListener(client, error);
  };

  /** Back to the pool without this relay's listeners, which would pile up on the client otherwise. */
  private releaseListener(client: pg.PoolClient, error?: Error): void {
    client.off('notification', this.onNotification);
    client.off('error', this.onListenerError);
    client.release(error);
  }

  private async listen(): Promise<void> {
    this.connecting = true;
    try {
      const client = await this.options.db.connect();
      client.on('notification', this.onNotification);
      client.on('error', this.onListenerError);
      try {
        await client.query('LISTEN outbox');
      } catch (error) {
        this.releaseListener(client, error as Error);
        throw error;
      }
      if (!this.running) return this.releaseListener(client); // stopped meanwhile
      this.listener = client;
      this.listening.succeeded();
    } catch (error) {
      this.listening.failed(error);
    } finally {
      this.connecting = false;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.running && (await this.publishBatch()) === this.batchSize);
      this.publishing.succeeded();
    } catch (error) {
      this.failures?.inc();
      this.publishing.failed(error);
    }
  }

  private publishBatch(): Promise<number> {
    return this.options.db.transaction(async (tx) => {
      const { rows } = await tx.query<OutboxRow>(
        'SELECT seq, id, topic, key, type, payload, traceparent, created_at FROM outbox ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED',
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      await publishTraced(
        this.options.bus,
        rows.map((row) => this.toMessage(row)),
        this.options.source,
      );
      await tx.query('DELETE FROM outbox WHERE seq = ANY($1)', [rows.map((row) => row.seq)]);
      this.published?.inc(rows.length);
      this.logger.debug({ count: rows.length }, 'outbox events published');
      return rows.length;
    });
  }

  private toMessage(row: OutboxRow): EventMessage {
    return {
      id: row.id,
      type: row.type,
      source: this.options.source,
      time: row.created_at.toISOString(),
      topic: row.topic,
      key: row.key,
      payload: row.payload,
      ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    };
  }
}

/**
 * Publishes the messages, each in a producer span under the transaction that wrote it (its outbox
 * row's `traceparent`, which the message keeps: its consumer continues the same trace).
 */
async function publishTraced(bus: EventBus, messages: EventMessage[], source: string): Promise<void> {
  const spans = messages.map(
    (message) =>
      startSpan(`publish ${message.topic}`, {
        kind: SpanKind.PRODUCER,
        parent: message.traceparent,
        service: source,
        attributes: { 'messaging.destination.name': message.topic, 'messaging.message.id': message.id },
      }).span,
  );
  try {
    await bus.publish(messages);
  } catch (error) {
    for (const span of spans) endSpan(span, error);
    throw error;
  }
  for (const span of spans) endSpan(span);
}
