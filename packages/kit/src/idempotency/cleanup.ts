import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { Worker } from '../worker.js';

export interface IdempotencyCleanupOptions {
  db: Database;
  logger: Logger;
  /** Completed keys are kept at least this long (default 72 h; the contract asks for ≥ 24 h). */
  retentionHours?: number;
  intervalMs?: number;
}

/** Deletes idempotency keys past their retention, hourly, in small batches. */
export class IdempotencyCleanup implements Worker {
  readonly name = 'idempotency-cleanup';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: IdempotencyCleanupOptions) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; resolves with the number of keys deleted. */
  async sweep(): Promise<number> {
    const pass = this.deleteExpired();
    this.running = pass.then(() => undefined);
    return pass;
  }

  private async deleteExpired(): Promise<number> {
    const hours = this.options.retentionHours ?? 72;
    let total = 0;
    try {
      for (;;) {
        const { rowCount } = await this.options.db.query(
          `DELETE FROM idempotency_keys WHERE ctid IN (
             SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT 1000)`,
          [hours],
        );
        total += rowCount ?? 0;
        if (!rowCount || rowCount < 1000) break;
      }
      if (total > 0)
        this.options.logger.info(
          { deleted: total, retentionHours: hours },
          'expired idempotency keys deleted',
        );
    } catch (error) {
      this.options.logger.warn({ err: error }, 'idempotency key cleanup failed; will retry');
    }
    return total;
  }
}
