import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { packageDir } from '../package-dir.js';
import type { Database } from './database.js';
import { isConnectionError } from './unavailable.js';

/** A folder of forward-only migrations named `NNNN_what.sql`, applied in name order. */
export interface MigrationSource {
  name: string;
  dir: string;
}

/** The tables every service shares: outbox, inbox, dead letters, idempotency keys. */
export const kitMigrations: MigrationSource = {
  name: 'kit',
  dir: join(packageDir(import.meta.url), 'migrations'),
};

/** The `migrations/` folder of the package holding `moduleUrl`. */
export function migrationsOf(name: string, moduleUrl: string): MigrationSource {
  return { name, dir: join(packageDir(moduleUrl), 'migrations') };
}

const LOCK_ID = 72_347_001;

/**
 * Applies every migration not yet recorded, each in its own transaction. An advisory lock makes
 * concurrent starts (several replicas, a Job and a pod) wait for each other instead of racing.
 */
export async function migrate(db: Database, sources: MigrationSource[], logger?: Logger): Promise<string[]> {
  return db.withClient(async (client) => {
    const applied: string[] = [];
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set(
        (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map(
          (row) => row.name,
        ),
      );
      for (const source of sources) {
        const files = (await readdir(source.dir)).filter((file) => file.endsWith('.sql')).sort();
        for (const file of files) {
          const name = `${source.name}/${file}`;
          if (done.has(name)) continue;
          const sql = await readFile(join(source.dir, file), 'utf8');
          try {
            await client.query('BEGIN');
            await client.query(sql);
            await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            if (isConnectionError(error)) throw error;
            throw new Error(`migration ${name} failed: ${(error as Error).message}`, { cause: error });
          }
          logger?.info({ migration: name }, 'migration applied');
          applied.push(name);
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    }
    return applied;
  });
}
