import pg from 'pg';
import { ServiceUnavailableError } from '../http/errors.js';
import { currentTrace } from '../trace.js';

export type QueryResult<R> = pg.QueryResult<R & pg.QueryResultRow>;

/** What both the pool and a transaction offer, so repositories work inside or outside one. */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
}

const INT8_OID = 20;

/** bigint columns come back as numbers; a value beyond 2^53 is an error, never a silent rounding. */
function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`bigint ${value} is beyond the safe integer range`);
  return parsed;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface DatabaseOptions {
  url: string;
  applicationName?: string;
  maxConnections?: number;
  statementTimeoutMs?: number;
}

export class Database implements Queryable {
  readonly pool: pg.Pool;

  constructor(options: DatabaseOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      application_name: options.applicationName,
      max: options.maxConnections ?? 10,
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      connectionTimeoutMillis: 5_000,
      types,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
  }

  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
    return this.pool.query<R & pg.QueryResultRow>(text, params);
  }

  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws — and
   * rolled back when the caller's deadline (see `x-request-deadline`) passed before the commit, so a
   * caller that gave up and retries, or compensates, never races a late effect of the first call.
   */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      const deadline = currentTrace()?.deadline;
      if (deadline !== undefined && Date.now() > deadline) {
        throw new ServiceUnavailableError(
          'The request took longer than its caller waited; nothing was changed',
        );
      }
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** The URL of database `name` on the server at `serverUrl`, creating the database unless it exists. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  return databaseUrl(serverUrl, name);
}

/** `serverUrl` pointing at database `name`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** True when `error` is PostgreSQL's unique-violation on the named constraint (or any, if none named). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return pgError?.code === '23505' && (constraint === undefined || pgError.constraint === constraint);
}
