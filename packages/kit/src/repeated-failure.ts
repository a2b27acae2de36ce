import { DatabaseUnavailableError } from './db/unavailable.js';
import type { Logger } from './logger.js';

/**
 * The log of a background loop that keeps retrying (a relay, a resumer, a consumer): one line when
 * it starts failing, at most one per `everyMs` while it goes on, one when it works again — not a
 * line per attempt. An unreachable database is reported by the database itself, so here it only
 * counts.
 */
export class RepeatedFailure {
  private failures = 0;
  private lastLoggedAt = 0;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly everyMs = 30_000,
  ) {}

  failed(error: unknown, detail: Record<string, unknown> = {}): void {
    this.failures += 1;
    if (error instanceof DatabaseUnavailableError) return;
    const now = Date.now();
    if (this.failures > 1 && now - this.lastLoggedAt < this.everyMs) return;
    this.lastLoggedAt = now;
    this.logger.warn(
      { err: error, failures: this.failures, ...detail },
      this.failures === 1 ? `${this.what} failed; retrying` : `${this.what} still failing; retrying`,
    );
  }

  succeeded(): void {
    if (this.failures === 0) return;
    this.logger.info({ failures: this.failures }, `${this.what} works again`);
    this.failures = 0;
    this.lastLoggedAt = 0;
  }

  /** Consecutive failures so far, for a backoff. */
  get count(): number {
    return this.failures;
  }
}
