import type { FastifyListenOptions } from 'fastify';
import type { Database } from './db/database.js';
import { migrate, type MigrationSource } from './db/migrate.js';
import { DatabaseUnavailableError } from './db/unavailable.js';
import type { HttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import type { Worker } from './worker.js';

export interface ServiceParts {
  name: string;
  logger: Logger;
  http: HttpServer;
  /** The service's database and the migrations to bring it up to date before serving. */
  database?: { db: Database; migrations: MigrationSource[] };
  workers?: Worker[];
}

export interface StartOptions {
  /** How long to wait for an unreachable database before giving up (default 60 s). */
  databaseWaitMs?: number;
  /** Listen with SO_REUSEPORT, so another process may listen on the same port at the same time. */
  reusePort?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `work`, or a rejection naming `what` once `ms` have passed. */
async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One running service: migrations (waiting for the database if it is not there yet), then the
 * background workers, then the HTTP server — which serves as soon as the database does, while
 * consumers join their groups in the background (their state shows in `/ready`). Stopping reverses
 * it within a bound: stop accepting, finish in-flight requests (connections still open after half
 * the time are closed), then stop the workers. The ports (database, bus, store) belong to whoever
 * created them and are closed by them.
 */
export class Service {
  readonly name: string;
  readonly http: HttpServer;
  url = '';
  private started: Worker[] = [];

  constructor(private readonly parts: ServiceParts) {
    this.name = parts.name;
    this.http = parts.http;
    for (const worker of parts.workers ?? []) {
      if (!worker.state) continue;
      const state = worker.state.bind(worker);
      this.http.readinessChecks.push({ name: worker.name, check: async () => state(), informational: true });
    }
  }

  async migrate(options: StartOptions = {}): Promise<void> {
    const database = this.parts.database;
    if (!database) return;
    const deadline = Date.now() + (options.databaseWaitMs ?? 60_000);
    for (let waits = 0; ; waits += 1) {
      try {
        await migrate(database.db, database.migrations, this.parts.logger);
        return;
      } catch (error) {
        if (!(error instanceof DatabaseUnavailableError) || Date.now() > deadline) throw error;
        if (waits === 0) this.parts.logger.warn('waiting for the database before serving');
        await sleep(Math.min(100 * 2 ** waits, 2_000));
      }
    }
  }

  /**
   * Migrates, starts the workers, then listens. `reusePort` (SO_REUSEPORT) lets another process
   * listen on the same port at the same time (a rolling update on the host network).
   */
  async start(port: number, host = '0.0.0.0', options: StartOptions = {}): Promise<string> {
    const { reusePort = false } = options;
    await this.migrate(options);
    for (const worker of this.parts.workers ?? []) {
      await worker.start();
      this.started.push(worker);
    }
    // Node >= 22.12 passes reusePort to the socket; fastify forwards the options as they are.
    const listenOptions: FastifyListenOptions & { reusePort: boolean } = { port, host, reusePort };
    this.url = (await this.http.listen(listenOptions)).replace('0.0.0.0', '127.0.0.1');
    this.parts.logger.info({ url: this.url }, `${this.name} started`);
    return this.url;
  }

  /** Stops within about `timeoutMs`, whatever clients and workers are doing. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const closeConnections = setTimeout(() => {
      this.parts.logger.warn('requests still in flight at shutdown; closing their connections');
      this.http.server.closeAllConnections();
    }, timeoutMs / 2);
    await this.http.close();
    clearTimeout(closeConnections);
    // In reverse order of start: what a later worker still writes (a saga's final outbox row)
    // is published by an earlier one (the relay) before that stops.
    const deadline = Date.now() + timeoutMs / 2;
    for (const worker of this.started.reverse()) {
      await within(worker.stop(), Math.max(deadline - Date.now(), 100), `stopping ${worker.name}`).catch(
        (error) =>
          this.parts.logger.error({ err: error, worker: worker.name }, 'worker did not stop cleanly'),
      );
    }
    this.started = [];
    this.parts.logger.info(`${this.name} stopped`);
  }
}
