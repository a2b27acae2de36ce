import { randomUUID } from 'node:crypto';
import { DatabaseUnavailableError, type Counter, type Logger, type Worker } from '@adboard/kit';
import type { CallOutcome, Claimed, Lease, Partners, Saved, Storage, Transition } from '../domain/ports.js';
import {
  failureTexts,
  finished,
  STUCK_AFTER_RETRIES,
  successText,
  type FailedStep,
  type Purchase,
  type SagaStep,
  type StepName,
  type StepRecord,
} from '../domain/purchase.js';
import { purchaseOutcome } from '../events/order-events.js';

/** Fault injection points for tests: throwing `AbandonedRun` from one stops the run like a crash would. */
export interface SagaHooks {
  beforeCall?(step: SagaStep, purchase: Purchase): void | Promise<void>;
  afterCall?(step: SagaStep, purchase: Purchase, outcome: CallOutcome): void | Promise<void>;
}

export class AbandonedRun extends Error {
  override name = 'AbandonedRun';
}

export interface PurchaseSagaOptions {
  storage: Storage;
  partners: Partners;
  logger: Logger;
  /** The timeout of one call to billing or bonus. */
  stepTimeoutMs: number;
  /**
   * How long a purchase request waits for its saga before answering that it is still in progress;
   * also how long the bonus step may stay uncertain before the purchase is undone instead.
   */
  timeBudgetMs: number;
  failures?: Counter;
  /** Purchases by how they ended (`paid`, `refused`, `compensated`) or became `stuck`. */
  outcomes?: Counter;
  hooks?: SagaHooks;
}

/** The steps as the purchase's owner sees them (the call steps' short names label the metrics). */
const stepNames: Record<SagaStep, StepName> = {
  bonus: 'bonus accrual',
  payment: 'payment',
  'bonus-reversal': 'bonus reversal',
};

const called = (step: SagaStep, outcome: StepRecord['outcome']): StepRecord => ({
  step: stepNames[step],
  outcome,
  attempts: 1,
});

const MAX_RETRY_DELAY_MS = 30_000;

/** What the purchase outcome metric counts: how purchases ended, and those that became stuck. */
export const PURCHASE_OUTCOMES = ['paid', 'refused', 'compensated', 'stuck'] as const;
type PurchaseOutcome = (typeof PURCHASE_OUTCOMES)[number];

/** A step stored as a failed attempt (`attempts` 1), or as a wait (`attempts` 0) for a settling call. */
interface Retry {
  step: SagaStep;
  reason: string;
  bonusSettlesAt?: Date;
  delayMs?: number;
  attempts?: 0 | 1;
}

/**
 * The purchase orchestrator. Each run takes a lease on the purchase, then repeats: read the stored
 * state, act on it (one call to another service, or one local transaction), store the result
 * before acting again. Transient failures are retried with exponential backoff: the payment (the
 * pivot) and the compensation until they get an answer, the bonus step until its deadline, after
 * which the purchase is undone. A crash at any point leaves a stored state that the resumer (or
 * a repeat of the request) drives on from.
 */
export class PurchaseSaga implements Worker {
  readonly name = 'purchase-saga';
  /** This runner's lease: held between two steps (two call timeouts and a margin) before another may take over. */
  readonly lease: Lease;
  private stopping = false;
  private readonly running = new Map<string, Promise<Purchase | undefined>>();

  constructor(private readonly options: PurchaseSagaOptions) {
    this.lease = { owner: `app-adv-${randomUUID()}`, leaseMs: options.stepTimeoutMs * 2 + 1_000 };
  }

  get timeBudgetMs(): number {
    return this.options.timeBudgetMs;
  }

  /**
   * Drives the purchase until it is finished; resolves with it, or undefined if another runner has
   * it. `started` is a purchase this runner has just created (and so holds the lease of).
   */
  drive(id: string, started?: { purchase: Purchase; userToken?: string }): Promise<Purchase | undefined> {
    const existing = this.running.get(id);
    if (existing) return existing;
    const run = this.run(id, started)
      .catch((error: unknown) => {
        if (error instanceof DatabaseUnavailableError)
          this.options.logger.warn({ purchaseId: id }, 'purchase run paused: the database is unavailable');
        else if (!(error instanceof AbandonedRun))
          this.options.logger.error({ err: error, purchaseId: id }, 'purchase run failed');
        return undefined;
      })
      .finally(() => this.running.delete(id));
    this.running.set(id, run);
    return run;
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Runs start on demand (a request, the resumer). */
  async start(): Promise<void> {}

  /** Lets every run finish the step in hand, then stop (their leases expire for another runner). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running.values());
  }

  private async run(
    id: string,
    started?: { purchase: Purchase; userToken?: string },
  ): Promise<Purchase | undefined> {
    const repository = this.options.storage.purchases;
    // What this runner holds without claiming: the purchase it created, then each stored step's result.
    let held: Claimed | undefined = started && { purchase: started.purchase, dueInMs: 0 };
    for (;;) {
      if (this.stopping) return undefined;
      const claimed = held ?? (await repository.claim(id, this.lease));
      held = undefined;
      if (!claimed) {
        const stored = await repository.byId(id);
        return stored && finished(stored.state) ? stored : undefined;
      }
      const { purchase, dueInMs: wait } = claimed;
      if (wait > 0) {
        if (wait > this.lease.leaseMs / 2) {
          await repository.release(id, this.lease.owner); // the resumer picks it up when it is due
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      const saved = await this.advance(purchase, started?.userToken);
      if (saved && finished(saved.purchase.state)) return saved.purchase;
      if (saved?.leased) held = saved;
    }
  }

  /** Takes the purchase's next step; what it stored, or undefined if another runner moved it first. */
  private async advance(purchase: Purchase, userToken?: string): Promise<Saved | undefined> {
    switch (purchase.state) {
      case 'reserved': {
        const outcome = await this.call('bonus', purchase, () =>
          this.options.partners.accrueBonus(purchase, userToken),
        );
        if (outcome.kind === 'done')
          return this.move(purchase, { state: 'bonus_accrued', steps: [called('bonus', 'done')] });
        if (outcome.kind === 'refused')
          return this.finish(purchase, 'bonus', outcome.reason, [called('bonus', 'refused')]);
        const overdue = Date.now() - purchase.createdAt.getTime() > this.options.timeBudgetMs;
        if (overdue) {
          return this.move(purchase, {
            state: 'compensating',
            failure: 'bonus',
            bonusSettlesAt: outcome.settlesAt,
            lastError: outcome.reason,
            steps: [called('bonus', 'retrying')],
          });
        }
        return this.retryLater(purchase, {
          step: 'bonus',
          reason: outcome.reason,
          bonusSettlesAt: outcome.settlesAt,
        });
      }
      case 'bonus_accrued': {
        const outcome = await this.call('payment', purchase, () =>
          this.options.partners.pay(purchase, userToken),
        );
        // Paid: finished in the same transaction that records the payment (activation and the
        // notification event with it). A crash before it commits leaves `bonus_accrued`, and the
        // payment's repeat under the same key is answered from billing's record: nothing is paid twice.
        if (outcome.kind === 'done')
          return this.finish(purchase, undefined, undefined, [called('payment', 'done')]);
        if (outcome.kind === 'refused') {
          return this.move(purchase, {
            state: 'compensating',
            failure: 'payment',
            lastError: outcome.reason,
            steps: [called('payment', 'refused')],
          });
        }
        return this.retryLater(purchase, { step: 'payment', reason: outcome.reason });
      }
      case 'paid': // stored by earlier releases, which recorded the payment on its own first
        return this.finish(purchase);
      case 'compensating': {
        const settleIn = (purchase.bonusSettlesAt?.getTime() ?? 0) - Date.now();
        if (settleIn > 0)
          return this.retryLater(purchase, {
            step: 'bonus-reversal',
            reason: 'waiting for a lost bonus call to settle',
            delayMs: settleIn,
            attempts: 0,
          });
        const outcome = await this.call('bonus-reversal', purchase, () =>
          this.options.partners.reverseBonus(purchase),
        );
        if (outcome.kind === 'done')
          return this.finish(purchase, purchase.failure ?? 'bonus', undefined, [
            called('bonus-reversal', 'done'),
            { step: 'bonus accrual', outcome: 'compensated', attempts: 0 },
          ]);
        return this.retryLater(purchase, { step: 'bonus-reversal', reason: outcome.reason });
      }
      default:
        return undefined;
    }
  }

  private async call(
    step: SagaStep,
    purchase: Purchase,
    send: () => Promise<CallOutcome>,
  ): Promise<CallOutcome> {
    await this.options.hooks?.beforeCall?.(step, purchase);
    const outcome = await send();
    await this.options.hooks?.afterCall?.(step, purchase, outcome);
    return outcome;
  }

  private async move(purchase: Purchase, transition: Transition): Promise<Saved | undefined> {
    const moved = await this.options.storage.purchases.saveTransition(purchase, transition, this.lease);
    if (moved)
      this.options.logger.info(
        { purchaseId: purchase.id, from: purchase.state, to: transition.state },
        'purchase moved',
      );
    return moved;
  }

  /** Stores a failed attempt (or a wait) and when to try the step again: by default, backing off. */
  private async retryLater(purchase: Purchase, retry: Retry): Promise<Saved | undefined> {
    const { step, reason, bonusSettlesAt, attempts = 1 } = retry;
    const delayMs = retry.delayMs ?? Math.min(100 * 2 ** purchase.retries, MAX_RETRY_DELAY_MS);
    this.options.failures?.inc({ step });
    const log = purchase.retries + 1 >= STUCK_AFTER_RETRIES ? 'error' : 'warn';
    this.options.logger[log](
      {
        purchaseId: purchase.id,
        state: purchase.state,
        step,
        reason,
        retries: purchase.retries + 1,
        retryInMs: delayMs,
      },
      log === 'error' ? 'purchase saga is stuck: retrying' : 'purchase step failed: retrying',
    );
    const saved = await this.options.storage.purchases.saveTransition(
      purchase,
      {
        retryInMs: delayMs,
        lastError: `${step}: ${reason}`,
        ...(bonusSettlesAt ? { bonusSettlesAt } : {}),
        steps: [{ ...called(step, 'retrying'), attempts }],
      },
      this.lease,
    );
    // Counted once, by the retry that makes it stuck (the stored count is the truth, not this run's copy).
    if (saved?.purchase.retries === STUCK_AFTER_RETRIES) this.options.outcomes?.inc({ outcome: 'stuck' });
    return saved;
  }

  /** The end: the advertisement's status and the notification, committed with the final state. */
  private async finish(
    purchase: Purchase,
    failedStep?: FailedStep,
    reason?: string,
    steps: StepRecord[] = [],
  ): Promise<Saved | undefined> {
    const succeeded = failedStep === undefined;
    const ending: StepRecord[] = [
      ...(succeeded ? [{ step: 'activation' as const, outcome: 'done' as const, attempts: 1 }] : []),
      { step: 'notification', outcome: 'done', attempts: 1 },
    ];
    const moved = await this.options.storage.transaction(async (tx) => {
      const saved = await tx.purchases.saveTransition(
        purchase,
        {
          state: succeeded ? 'succeeded' : 'failed',
          ...(failedStep ? { failure: failedStep } : {}),
          ...(reason ? { lastError: reason } : {}),
          finished: true,
          steps: [...steps, ...ending],
        },
        this.lease,
      );
      if (!saved) return undefined;
      await tx.advertisements.setStatus(purchase.advertisementId, succeeded ? 'active' : 'failed');
      const text = succeeded ? successText(purchase.cost) : failureTexts[failedStep];
      await tx.enqueue(purchaseOutcome(purchase, succeeded ? 'succeeded' : 'failed', text));
      return saved;
    });
    if (moved) this.options.outcomes?.inc({ outcome: outcomeOf(purchase, succeeded) });
    this.options.logger.info(
      { purchaseId: purchase.id, outcome: succeeded ? 'succeeded' : `failed at ${failedStep}` },
      'purchase finished',
    );
    return moved;
  }
}

/** How a finished purchase ended, as the outcome metric names it. */
function outcomeOf(purchase: Purchase, succeeded: boolean): PurchaseOutcome {
  if (succeeded) return 'paid';
  return purchase.state === 'compensating' ? 'compensated' : 'refused';
}
