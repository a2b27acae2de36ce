/**
 * The purchase saga's states. Compensatable steps first (the advertisement is reserved as pending,
 * the bonus is accrued), then the pivot (the payment), then steps that only move forward (the
 * advertisement becomes active and the notification is written).
 *
 *   reserved ──bonus accrued──▶ bonus_accrued ──paid──▶ paid ──activated──▶ succeeded
 *      │                              │
 *      │ bonus refused                │ payment refused
 *      ▼                              ▼
 *   failed ◀──bonus reversed── compensating   (also entered when the bonus step's outcome stays
 *                                              unknown past its deadline)
 */
export type PurchaseState = 'reserved' | 'bonus_accrued' | 'paid' | 'compensating' | 'succeeded' | 'failed';

/** The step that made a purchase fail, which decides the failure text. */
export type FailedStep = 'payment' | 'bonus' | 'advertisement';

export interface Purchase {
  id: string;
  userId: number;
  idempotencyKey: string;
  attempt: number;
  fingerprint: string;
  advertisementId: number;
  email: string;
  cost: number;
  state: PurchaseState;
  failure: FailedStep | null;
  version: number;
  retries: number;
  createdAt: Date;
  bonusSettlesAt: Date | null;
}

/** The saga's steps that call another service (their short names label the metrics). */
export type SagaStep = 'bonus' | 'payment' | 'bonus-reversal';

/** A purchase retried this many times is stuck: logged as an error and counted apart in the metrics. */
export const STUCK_AFTER_RETRIES = 10;

/** The steps a purchase shows its owner (GET /api/v1/adv/{id}/purchase), in the contract's words. */
export type StepName = 'bonus accrual' | 'payment' | 'bonus reversal' | 'activation' | 'notification';
export type StepOutcome = 'done' | 'refused' | 'retrying' | 'compensated';

/** What a transition says about a step: its outcome now, and how many more calls it took (0 or 1). */
export interface StepRecord {
  step: StepName;
  outcome: StepOutcome;
  attempts: number;
}

/** A step as stored: its latest outcome, the calls made for it, and when that outcome was stored. */
export interface PurchaseStep {
  step: StepName;
  outcome: StepOutcome;
  attempts: number;
  at: string;
}

/** The states a purchase passes through before it settles (each exported by the metrics, 0 included). */
export const UNFINISHED_STATES = ['reserved', 'bonus_accrued', 'paid', 'compensating'] as const;

export const finished = (state: PurchaseState) => state === 'succeeded' || state === 'failed';

export const failureTexts: Record<FailedStep, string> = {
  payment: 'Ошибка выполнения платежа',
  bonus: 'Ошибка пополнения бонусного счёта',
  advertisement: 'Ошибка сохранения заказа',
};

export const successText = (cost: number) => `Объявление на сумму ${cost} успешно оплачено`;

/** The key the saga uses with billing and bonus: one per attempt, so a retried call is harmless. */
export const callKeyOf = (purchase: Pick<Purchase, 'id'>) => `purchase-${purchase.id}`;
