import { randomUUID } from 'node:crypto';
import {
  BusinessError,
  FieldConflictError,
  fingerprintOf,
  IDEMPOTENCY_FIELD,
  idempotencyMessages,
  isUniqueViolation,
} from '@adboard/kit';
import { priceOf, type Advertisement } from '../domain/advertisement.js';
import { advertisementOf } from '../domain/advertisements.js';
import type { Storage } from '../domain/ports.js';
import { failureTexts, type Purchase } from '../domain/purchase.js';
import type { PurchaseSaga } from './purchase-saga.js';

export interface PurchaseRequest {
  userId: number;
  /** The buyer's username (from their token): the advertisement's author on the board. */
  username: string;
  email: string;
  key: string;
  title: string;
  text: string;
}

/** A purchase's answer: bought and active, still pending after the time budget, or a repeat of a success. */
export interface Bought {
  outcome: 'active' | 'pending' | 'replayed';
  advertisement: Advertisement;
}

type Started = { kind: 'started'; purchase: Purchase } | { kind: 'replay'; purchase: Purchase };

const inFlight = () => new FieldConflictError(409, idempotencyMessages.inFlight, IDEMPOTENCY_FIELD);

/** `promise`'s value, or undefined if it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Buying an advertisement: a purchase started (or replayed), then driven by the saga within the time budget. */
export class Checkout {
  constructor(
    private readonly storage: Storage,
    private readonly saga: PurchaseSaga,
  ) {}

  /** Throws the failure text of a purchase that failed within the time budget. */
  async buy(request: PurchaseRequest, userToken?: string): Promise<Bought> {
    const started = await this.start(request);
    if (started.kind === 'replay') return this.answer('replayed', request, started.purchase);
    const id = started.purchase.id;
    const purchase =
      (await within(
        this.saga.drive(id, { purchase: started.purchase, userToken }),
        this.saga.timeBudgetMs,
      )) ?? (await this.storage.purchases.byId(id))!;
    if (purchase.state === 'failed')
      throw new BusinessError(failureTexts[purchase.failure ?? 'advertisement']);
    return this.answer(purchase.state === 'succeeded' ? 'active' : 'pending', request, purchase);
  }

  private async answer(outcome: Bought['outcome'], request: PurchaseRequest, purchase: Purchase) {
    return {
      outcome,
      advertisement: await advertisementOf(this.storage, request.userId, purchase.advertisementId),
    };
  }

  /**
   * Records a new purchase attempt (and reserves its advertisement as pending) before anything else
   * happens, or tells why not: the key's purchase succeeded (a replay), is still running (409), or
   * was made with another request (422). A purchase that failed may be repeated with the same key.
   */
  private async start(request: PurchaseRequest): Promise<Started> {
    const fingerprint = fingerprintOf('create', { title: request.title, text: request.text });
    try {
      return await this.storage.transaction(async ({ purchases, advertisements }) => {
        const latest = await purchases.latestForKey(request.userId, request.key);
        if (latest && latest.state !== 'failed') {
          if (latest.fingerprint !== fingerprint) {
            throw new FieldConflictError(422, idempotencyMessages.reused, IDEMPOTENCY_FIELD);
          }
          if (latest.state === 'succeeded') return { kind: 'replay', purchase: latest };
          throw inFlight();
        }
        const cost = priceOf(request.text);
        const advertisement = await advertisements.reserve(request.userId, request.key, {
          title: request.title,
          text: request.text,
          cost,
          author: request.username,
        });
        const purchase = await purchases.create(
          {
            id: randomUUID(),
            userId: request.userId,
            idempotencyKey: request.key,
            attempt: (latest?.attempt ?? 0) + 1,
            fingerprint,
            advertisementId: advertisement.id,
            email: request.email,
            cost,
          },
          this.saga.lease,
        );
        return { kind: 'started', purchase };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw inFlight(); // a concurrent request with the same key won the race
      throw error;
    }
  }
}
