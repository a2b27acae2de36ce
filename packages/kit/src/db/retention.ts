import type { Logger } from '../logger.js';
import type { Worker } from '../worker.js';
import type { Database } from './database.js';

/** Rows of `table` that go once `timestamp` is older than the retention (and `condition` holds). */
export interface RetentionRule {
  table: string;
  /** The column whose age decides (indexed, so a sweep reads only what has expired). */
  timestamp: string;
  retentionHours: number;
  /** A further SQL condition on the row, given the SQL of the cutoff (the oldest time kept). */
  condition?: (cutoff: string) => string;
}

export interface RetentionCleanupOptions {
  db: Database;
  logger: Logger;
  rules: RetentionRule[];
  /** Between sweeps (default hourly); the first runs at start. */
  intervalMs?: number;
  /** Rows deleted per statement (default 1,000), so no sweep holds long locks or a long transaction. */
  batchSize?: number;
}

const CUTOFF = 'now() - make_interval(hours => $1)';

/** Deletes rows past their retention — at start, then hourly — in small batches, rule by rule. */
export class RetentionCleanup implements Worker {
  readonly name = 'retention-cleanup';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: RetentionCleanupOptions) {}

  async start(): Promise<void> {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every rule; resolves with the rows deleted per table. */
  async sweep(): Promise<Record<string, number>> {
    // After the sweep in hand, if any: two sweeps never race over the same rows.
    const pass = (this.running ?? Promise.resolve()).then(() => this.deleteExpired());
    this.running = pass.then(() => undefined);
    return pass;
  }

  private async deleteExpired(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const rule of this.options.rules) deleted[rule.table] = await this.deleteExpiredOf(rule);
    return deleted;
  }

  private async deleteExpiredOf(rule: RetentionRule): Promise<number> {
    const batch = this.options.batchSize ?? 1_000;
    const condition = rule.condition ? ` AND (${rule.condition(CUTOFF)})` : '';
    let total = 0;
    try {
      for (;;) {
        const { rowCount } = await this.options.db.query(
          `DELETE FROM ${rule.table} WHERE ctid IN (
             SELECT ctid FROM ${rule.table} WHERE ${rule.timestamp} < ${CUTOFF}${condition} LIMIT $2)`,
          [rule.retentionHours, batch],
        );
        total += rowCount ?? 0;
        if (!rowCount || rowCount < batch) break;
      }
      if (total > 0)
        this.options.logger.info(
          { table: rule.table, deleted: total, retentionHours: rule.retentionHours },
          'rows past their retention deleted',
        );
    } catch (error) {
      this.options.logger.warn({ err: error, table: rule.table }, 'retention cleanup failed; will retry');
    }
    return total;
  }
}
