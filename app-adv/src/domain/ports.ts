import type { NewEvent } from '@adboard/kit';
import type { Advertisement, AdvertisementStatus } from './advertisement.js';
import type { BoardItem, BoardPage } from './board.js';
import type { FailedStep, Purchase, PurchaseState, PurchaseStep, StepRecord } from './purchase.js';

/**
 * What a call to another service told us. `done` and `refused` are answers; `uncertain` means the
 * callee may or may not have acted (timeout, lost connection, 5xx, or the same key still in flight),
 * and it cannot act any more after `settlesAt` (the call's deadline, which the callee honours).
 */
export type CallOutcome =
  | { kind: 'done' }
  | { kind: 'refused'; reason: string }
  | { kind: 'uncertain'; reason: string; settlesAt: Date };

/** The saga's view of billing and bonus: each call carries the purchase's key, so repeating it is harmless. */
export interface Partners {
  accrueBonus(purchase: Purchase, userToken?: string): Promise<CallOutcome>;
  reverseBonus(purchase: Purchase): Promise<CallOutcome>;
  pay(purchase: Purchase, userToken?: string): Promise<CallOutcome>;
}

export interface Transition {
  state?: PurchaseState;
  failure?: FailedStep;
  /** Try again no sooner than this many ms from now (a failed attempt); absent → at once. */
  retryInMs?: number;
  lastError?: string;
  bonusSettlesAt?: Date;
  finished?: boolean;
  /** The steps this transition records for the purchase's owner (stored only if it applies). */
  steps?: StepRecord[];
}

export type NewPurchase = Omit<
  Purchase,
  'version' | 'retries' | 'createdAt' | 'bonusSettlesAt' | 'failure' | 'state'
>;

/** The runner that holds a purchase, and for how long after each step. */
export interface Lease {
  owner: string;
  leaseMs: number;
}

/** A purchase its runner holds, and how long until its next step is due (0 when due). */
export interface Claimed {
  purchase: Purchase;
  dueInMs: number;
}

/** A stored transition: the purchase as it is now, and whether the runner that stored it still holds it. */
export interface Saved extends Claimed {
  leased: boolean;
}

/**
 * The saga's stored state. Every change is conditional on the version the caller read, so two
 * runners can never both move one purchase forward; a lease keeps them from even trying.
 */
export interface PurchaseStore {
  /** The newest attempt for (user, key), locked until the end of the transaction. */
  latestForKey(userId: number, key: string): Promise<Purchase | undefined>;
  /** Stores a new purchase in state `reserved`, leased to its starter. */
  create(purchase: NewPurchase, lease: Lease): Promise<Purchase>;
  byId(id: string): Promise<Purchase | undefined>;
  /**
   * Takes or renews the lease of an unfinished purchase that is free or already ours, and says how
   * long until it is due to run again (0 when due).
   */
  claim(id: string, lease: Lease): Promise<Claimed | undefined>;
  release(id: string, owner: string): Promise<void>;
  /**
   * Applies a transition if nobody moved the purchase since `from` was read, with the steps it
   * records, at once: a step is stored exactly when its transition is; undefined if someone had.
   * Renews the lease as `claim` would, so the runner may take the next step without claiming.
   */
  saveTransition(from: Purchase, change: Transition, lease: Lease): Promise<Saved | undefined>;
  /** The newest purchase attempt of an advertisement. */
  latestForAdvertisement(advertisementId: number): Promise<Purchase | undefined>;
  /** A purchase's steps in the order they first happened. */
  stepsOf(purchaseId: string): Promise<PurchaseStep[]>;
  /** Unfinished purchases due to run that no live runner holds. */
  due(limit: number): Promise<string[]>;
  /** Unfinished purchases by state, and how many of them are stuck (see STUCK_AFTER_RETRIES). */
  unfinishedByState(): Promise<{ state: string; count: number; stuck: number }[]>;
}

export interface AdvertisementStore {
  /**
   * The user's advertisement for this key, created pending or — after a failed purchase — reset to
   * pending; with its author (the owner's username) and the words the board's search matches.
   */
  reserve(
    userId: number,
    key: string,
    ad: { title: string; text: string; cost: number; author: string },
  ): Promise<Advertisement>;
  setStatus(id: number, status: AdvertisementStatus): Promise<void>;
  byId(id: number): Promise<Advertisement | undefined>;
  /** Newest first. */
  ofUser(userId: number, page: { limit: number; offset: number }): Promise<Advertisement[]>;
}

/** The public board: active advertisements, newest first, those whose words include all of `words`. */
export interface BoardStore {
  page(page: BoardPage): Promise<BoardItem[]>;
}

/** app-adv's storage: its stores, its outbox, and transactions over all three. */
export interface Storage {
  purchases: PurchaseStore;
  advertisements: AdvertisementStore;
  /** Writes an event to the outbox, published once what wrote it commits. */
  enqueue(event: NewEvent): Promise<void>;
  transaction<T>(work: (storage: Storage) => Promise<T>): Promise<T>;
}
