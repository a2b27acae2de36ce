import { RepeatedFailure, type Logger, type Worker } from '@adboard/kit';
import type { PurchaseStore } from '../domain/ports.js';
import type { PurchaseSaga } from './purchase-saga.js';

/**
 * Finds unfinished purchases nobody is driving (after a crash, a restart, or a long backoff) and
 * drives them to success or full compensation.
 */
export class PurchaseResumer implements Worker {
  readonly name = 'purchase-resumer';
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private readonly failure: RepeatedFailure;

  constructor(
    private readonly options: {
      purchases: PurchaseStore;
      saga: PurchaseSaga;
      logger: Logger;
      intervalMs: number;
      batch?: number;
    },
  ) {
    this.failure = new RepeatedFailure(options.logger, 'looking for unfinished purchases');
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    void this.sweep();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One pass: starts a run for every due purchase not already running here. */
  sweep(): Promise<void> {
    this.sweeping ??= this.resumeDue().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async resumeDue(): Promise<void> {
    try {
      const due = await this.options.purchases.due(this.options.batch ?? 20);
      for (const id of due) {
        if (this.options.saga.isRunning(id)) continue;
        this.options.logger.info({ purchaseId: id }, 'resuming an unfinished purchase');
        void this.options.saga.drive(id);
      }
      this.failure.succeeded();
    } catch (error) {
      this.failure.failed(error);
    }
  }
}
