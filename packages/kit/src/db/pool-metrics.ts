import { readOnScrape, type Registry } from '../metrics.js';
import type { Database } from './database.js';

/** The pool's connections (open, idle) and the queries waiting for one, read at each scrape. */
export function observePool(db: Database, registry: Registry): void {
  readOnScrape(
    registry,
    {
      name: 'database_pool_connections',
      help: 'Connections of the database pool: total open and idle',
      labelNames: ['state'],
    },
    async () => [
      { labels: { state: 'total' }, value: db.pool.totalCount },
      { labels: { state: 'idle' }, value: db.pool.idleCount },
    ],
  );
  readOnScrape(
    registry,
    {
      name: 'database_pool_waiting_clients',
      help: 'Queries waiting for a free connection of the database pool',
      labelNames: [],
    },
    async () => [{ labels: {}, value: db.pool.waitingCount }],
  );
}
