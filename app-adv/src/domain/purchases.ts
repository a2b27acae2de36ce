import { randomUUID } from 'node:crypto';
import {
  FieldConflictError,
  fingerprintOf,
  IDEMPOTENCY_FIELD,
  idempotencyMessages,
  isUniqueViolation,
  NotFoundError,
  type Database,
} from '@adboard/kit';
import { AdvertisementRepository } from '../data/advertisement-repository.js';
import { PurchaseRepository } from '../data/purchase-repository.js';
import { priceOf, type Advertisement, type AdvertisementStatus } from './advertisement.js';
import { wordsOf, type BoardItem } from './board.js';
import type { Purchase, PurchaseStep } from './purchase.js';

export interface PurchaseRequest {
  userId: number;
  /** The buyer's username (from their token): the advertisement's author on the board. */
  username: string;
  email: string;
  key: string;
  title: string;
  text: string;
}

export type Started = { kind: 'started'; purchase: Purchase } | { kind: 'replay'; purchase: Purchase };

const inFlight = () => new FieldConflictError(409, idempotencyMessages.inFlight, IDEMPOTENCY_FIELD);

/**
 * Records a new purchase attempt (and reserves its advertisement as pending) before anything else
 * happens, or tells why not: the key's purchase succeeded (a replay), is still running (409), or
 * was made with another request (422). A purchase that failed may be repeated with the same key.
 */
export async function startPurchase(
  db: Database,
  request: PurchaseRequest,
  runner: { owner: string; leaseMs: number },
): Promise<Started> {
  const fingerprint = fingerprintOf('create', { title: request.title, text: request.text });
  try {
    return await db.transaction(async (tx) => {
      const purchases = new PurchaseRepository(tx);
      const latest = await purchases.latestForKey(request.userId, request.key);
      if (latest && latest.state !== 'failed') {
        if (latest.fingerprint !== fingerprint) {
          throw new FieldConflictError(422, idempotencyMessages.reused, IDEMPOTENCY_FIELD);
        }
        if (latest.state === 'succeeded') return { kind: 'replay', purchase: latest };
        throw inFlight();
      }
      const cost = priceOf(request.text);
      const advertisement = await new AdvertisementRepository(tx).reserve(request.userId, request.key, {
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
        runner.owner,
        runner.leaseMs,
      );
      return { kind: 'started', purchase };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw inFlight(); // a concurrent request with the same key won the race
    throw error;
  }
}

export async function advertisementOf(db: Database, userId: number, id: number): Promise<Advertisement> {
  const advertisement = await new AdvertisementRepository(db).byId(id);
  if (!advertisement || advertisement.userId !== userId) throw new NotFoundError('Объявление не найдено');
  return advertisement;
}

export function advertisementsOf(
  db: Database,
  userId: number,
  page: { limit: number; offset: number },
): Promise<Advertisement[]> {
  return new AdvertisementRepository(db).ofUser(userId, page);
}

/** How the purchase of the owner's advertisement went: its status and the newest attempt's steps. */
export async function purchaseProgressOf(
  db: Database,
  userId: number,
  id: number,
): Promise<{ status: AdvertisementStatus; steps: PurchaseStep[] }> {
  const advertisement = await advertisementOf(db, userId, id);
  const repository = new PurchaseRepository(db);
  const purchase = await repository.latestForAdvertisement(advertisement.id);
  return { status: advertisement.status, steps: purchase ? await repository.stepsOf(purchase.id) : [] };
}

/** The public board, newest first; `query` keeps the advertisements that have every one of its words. */
export function boardOf(
  db: Database,
  page: { limit: number; offset: number },
  query?: string,
): Promise<BoardItem[]> {
  return new AdvertisementRepository(db).board(page, wordsOf(query ?? ''));
}
