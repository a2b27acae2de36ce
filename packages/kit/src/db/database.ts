import { createHash } from 'node:crypto';
import pg from 'pg';
import { ServiceUnavailableError } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { currentTrace } from '../trace.js';
import { inSpan, SpanKind, tracingOn } from '../tracing.js';
import {
  DatabaseUnavailableError,
  isConnectionError,
  isStatementTimeout,
  StatementTimeoutError,
} from './unavailable.js';

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

/** Names of the statements prepared so far, by text; bounded, so a stream of distinct texts cannot grow it. */
const statementNames = new Map<string, string>();
const MAX_PREPARED_STATEMENTS = 1_000;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_PREPARED_STATEMENTS) {
    name = `adboard_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * A connection that prepares each parameterised statement the first time it sends it (named after
 * its text) and afterwards only binds and executes it, so PostgreSQL does not parse and plan the
 * same SQL on every call (pgbench on the top-up's statements: ~1,600 → ~2,300 tx/s). Statements
 * without parameters (BEGIN, COMMIT, migrations) are sent as they are.
 */
class PreparingClient extends pg.Client {}
PreparingClient.prototype.query = function (
  this: pg.Client,
  config: unknown,
  values?: unknown,
  ...rest: unknown[]
) {
  const name =
    typeof config === 'string' && Array.isArray(values) && values.length > 0
      ? statementName(config)
      : undefined;
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  return name
    ? query.call(this, { name, text: config, values }, ...rest)
    : query.call(this, config, values, ...rest);
} as typeof pg.Client.prototype.query;

export interface DatabaseOptions {
  url: string;
  applicationName?: string;
  maxConnections?: number;
  statementTimeoutMs?: number;
  /** Where lost connections and outages are reported (once per outage, not once per failed query). */
  logger?: Logger;
}

/**
 * A pool of connections that survives the database going away: a connection lost while idle or in
 * use is logged and replaced, never an unhandled 'error' event; a query that fails because the
 * database cannot be reached throws `DatabaseUnavailableError` (a 503 for HTTP callers); the pool
 * reconnects by itself when the database is back.
 */
export class Database implements Queryable {
  readonly pool: pg.Pool;
  private readonly logger?: Logger;
  private unavailableSince?: number;

  constructor(private readonly options: DatabaseOptions) {
    this.logger = options.logger?.child({ component: 'database' });
    this.pool = new pg.Pool({
      Client: PreparingClient,
      connectionString: options.url,
      application_name: options.applicationName,
      max: options.maxConnections ?? 10,
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      connectionTimeoutMillis: 5_000,
      types,
    });
    // pg emits 'error' on a client whose connection dies; while a client is checked out nobody else
    // listens, and an unhandled 'error' event would end the process.
    this.pool.on('connect', (client) => client.on('error', (error) => this.connectionLost(error)));
    this.pool.on('error', () => undefined); // an idle client's loss, already reported by its own listener
  }

  async query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
    return this.observe(() => traced(text, () => this.pool.query<R & pg.QueryResultRow>(text, params)));
  }

  /**
   * A dedicated connection for `work` (several statements on one session). A connection that broke
   * meanwhile is discarded instead of going back to the pool.
   */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      return await this.observe(() => work(client));
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) broken = error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** A connection of the pool for the caller to hold (e.g. for LISTEN); release it when done. */
  connect(): Promise<pg.PoolClient> {
    return this.observe(() => this.pool.connect());
  }

  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws — and
   * rolled back when the caller's deadline (see `x-request-deadline`) passed before the commit, so a
   * caller that gave up and retries, or compensates, never races a late effect of the first call.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      try {
        await client.query('BEGIN');
        const result = await work({
          query: (text, params) => traced(text, () => client.query(text, params)),
        });
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
      }
    });
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  /**
   * Another pool on the same database with its own limits, e.g. public reads on a few connections
   * with a short statement timeout, so that they can never take the connections the rest needs.
   * The caller closes it.
   */
  derive(overrides: Omit<DatabaseOptions, 'url'>): Database {
    return new Database({ ...this.options, ...overrides });
  }

  /** Whether the last attempt to reach the database failed for want of a connection. */
  get available(): boolean {
    return this.unavailableSince === undefined;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Runs `attempt`, turning a failure to reach the database into `DatabaseUnavailableError` and a
   * statement past its timeout into `StatementTimeoutError` (both 503s).
   */
  private async observe<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      const result = await attempt();
      this.reachable();
      return result;
    } catch (error) {
      if (isStatementTimeout(error)) throw new StatementTimeoutError(error);
      if (error instanceof DatabaseUnavailableError || !isConnectionError(error)) throw error;
      this.unreachable(error);
      throw new DatabaseUnavailableError(error);
    }
  }

  private connectionLost(error: Error): void {
    this.logger?.warn({ err: error }, 'a database connection was lost; the pool will open a new one');
  }

  private unreachable(error: unknown): void {
    if (this.unavailableSince !== undefined) return;
    this.unavailableSince = Date.now();
    this.logger?.error({ err: error }, 'the database is unavailable; requests answer 503 until it is back');
  }

  private reachable(): void {
    if (this.unavailableSince === undefined) return;
    const downMs = Date.now() - this.unavailableSince;
    this.unavailableSince = undefined;
    this.logger?.info({ downMs }, 'the database is available again');
  }
}

/** The URL of database `name` on the server at `serverUrl`, creating the database unless it exists. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  client.on('error', () => undefined); // a lost connection fails the query below, which reports it
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

/**
 * A query in a client span named by its statement's first word (`SELECT`, `INSERT`, ...), when it
 * is part of a request or an event: a poller's queries (the outbox relay's) start no trace of their own.
 * With tracing off a query runs as it is: no span, no new trace context on the hot path.
 */
function traced<T>(text: string, run: () => Promise<T>): Promise<T> {
  if (!tracingOn() || !currentTrace()) return run();
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
  const attributes = {
    'db.system.name': 'postgresql',
    'db.operation.name': operation,
    'db.query.text': text,
  };
  return inSpan(`${operation} postgresql`, { kind: SpanKind.CLIENT, attributes }, () => run());
}
