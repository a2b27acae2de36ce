import {
  AccessDeniedError,
  BusinessError,
  fingerprintOf,
  withIdempotency,
  type Database,
  type IdempotentOutcome,
} from '@adboard/kit';
import { Ledger, reverseByKey, type Account, type LedgerEntry, type PostingRefusal } from '@adboard/ledger';
import { kinds, messages } from './messages.js';

/** Idempotency keys are per account: the same key on two accounts is two keys. */
const scopeOf = (userId: number) => `account:${userId}`;

const refusal = (why: PostingRefusal) =>
  new BusinessError(why === 'no-account' ? messages.noAccountForUser : messages.insufficientFunds);

function accepted(result: Account | PostingRefusal): Account {
  if (typeof result === 'string') throw refusal(result);
  return result;
}

export async function getAccount(db: Database, userId: number): Promise<Account> {
  const account = await new Ledger(db).account(userId);
  if (!account) throw new BusinessError(messages.accountNotFound);
  return account;
}

export interface Movement {
  userId: number;
  key: string;
  sum: number;
}

/**
 * Credits the account once per key; a repeat replays the first answer, which is the account as
 * `present` shows it (what is stored for a replay).
 */
export function topUp<View>(
  db: Database,
  { userId, key, sum }: Movement,
  present: (account: Account) => View,
): Promise<IdempotentOutcome<View>> {
  return withIdempotency(
    db,
    { scope: scopeOf(userId), key, fingerprint: fingerprintOf('top-up', { sum }) },
    (tx) =>
      new Ledger(tx)
        .post(userId, { amount: sum, kind: kinds.topUp, idempotencyKey: key })
        .then(accepted)
        .then(present),
  );
}

/** Debits the account once per key; without enough money nothing happens and nothing is recorded. */
export function pay<View>(
  db: Database,
  { userId, key, sum }: Movement,
  present: (account: Account) => View,
): Promise<IdempotentOutcome<View>> {
  return withIdempotency(
    db,
    { scope: scopeOf(userId), key, fingerprint: fingerprintOf('pay', { sum }) },
    (tx) =>
      new Ledger(tx)
        .post(userId, { amount: -sum, kind: kinds.payment, idempotencyKey: key })
        .then(accepted)
        .then(present),
  );
}

/**
 * Reverses the operation made with `key` on this account and frees the key, so the same key
 * applies again afterwards. Nothing to reverse → the account as it is. A user may reverse their
 * own top-up; a payment only a service may reverse.
 */
export function rollback(
  db: Database,
  { userId, key, byService }: { userId: number; key: string; byService: boolean },
): Promise<Account> {
  return reverseByKey(db, {
    userId,
    key,
    scope: scopeOf(userId),
    reversalKinds: { [kinds.topUp]: kinds.topUpReversal, [kinds.payment]: kinds.paymentReversal },
    authorise: (entry) => {
      if (entry.kind === kinds.payment && !byService) throw new AccessDeniedError();
    },
    refused: refusal,
  });
}

export async function statement(
  db: Database,
  userId: number,
  page: { limit: number; offset: number },
): Promise<LedgerEntry[]> {
  const ledger = new Ledger(db);
  if (!(await ledger.account(userId))) throw new BusinessError(messages.accountNotFound);
  return ledger.entries(userId, page);
}
