import type { FastifyListenOptions } from 'fastify';
import type { Database } from './db/database.js';
import { migrate, type MigrationSource } from './db/migrate.js';
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

/**
 * One running service: migrations, then the background workers, then the HTTP server. Stopping
 * reverses it gracefully — stop accepting, finish in-flight requests, then stop the workers. The
 * ports (database, bus, store) belong to whoever created them and are closed by them.
 */
export class Service {
  readonly name: string;
  readonly http: HttpServer;
  url = '';
  private started: Worker[] = [];

  constructor(private readonly parts: ServiceParts) {
    this.name = parts.name;
    this.http = parts.http;
  }

  async migrate(): Promise<void> {
    if (this.parts.database)
      await migrate(this.parts.database.db, this.parts.database.migrations, this.parts.logger);
  }

  /**
   * Migrates, starts the workers (consumers have joined their groups), then listens: ready means ready.
   * `reusePort` (SO_REUSEPORT) lets another process listen on the same port at the same time.
   */
  async start(port: number, host = '0.0.0.0', { reusePort = false } = {}): Promise<string> {
    await this.migrate();
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

  async stop(): Promise<void> {
    await this.http.close();
    for (const worker of this.started.reverse()) {
      await worker
        .stop()
        .catch((error) =>
          this.parts.logger.error({ err: error, worker: worker.name }, 'worker did not stop cleanly'),
        );
    }
    this.started = [];
    this.parts.logger.info(`${this.name} stopped`);
  }
}
