import type { Database } from '../db/database.js';
import { readOnScrape, type Registry } from '../metrics.js';

/** Events committed but not yet published, and how long the oldest has waited, read from `outbox`. */
export function observeOutbox(db: Database, registry: Registry): void {
  // Both gauges are collected together at a scrape: they share one read of the table.
  let reading: Promise<{ rows: { events: number; oldest_seconds: number }[] }> | undefined;
  const backlog = () =>
    (reading ??= db
      .query<{ events: number; oldest_seconds: number }>(
        `SELECT count(*)::int AS events,
                coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_seconds
         FROM outbox`,
      )
      .finally(() => (reading = undefined)));
  readOnScrape(
    registry,
    { name: 'outbox_backlog_events', help: 'Events in the outbox waiting to be published', labelNames: [] },
    async () => [{ labels: {}, value: (await backlog()).rows[0]!.events }],
  );
  readOnScrape(
    registry,
    {
      name: 'outbox_oldest_event_age_seconds',
      help: 'Age of the oldest event waiting in the outbox (0 when it is empty)',
      labelNames: [],
    },
    async () => [{ labels: {}, value: (await backlog()).rows[0]!.oldest_seconds }],
  );
}

/** The events a consumer group set aside in `dead_letter` (0 when none), read at each scrape. */
export function observeDeadLetters(db: Database, registry: Registry, group: string): void {
  readOnScrape(
    registry,
    {
      name: 'event_dead_letters',
      help: 'Events a consumer group gave up on, kept in dead_letter',
      labelNames: ['group'],
    },
    async () => {
      const { rows } = await db.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM dead_letter WHERE consumer = $1',
        [group],
      );
      return [{ labels: { group }, value: rows[0]!.count }];
    },
  );
}

/** Events on a consumer group's topic it has not handled yet, where its bus can tell (`lag()`). */
export function observeLag(registry: Registry, group: string, lag: () => number | undefined): void {
  readOnScrape(
    registry,
    {
      name: 'event_consumer_lag_events',
      help: 'Events published to the topic that the consumer group has not handled yet',
      labelNames: ['group'],
    },
    async () => {
      const value = lag();
      return value === undefined ? [] : [{ labels: { group }, value }];
    },
  );
}
