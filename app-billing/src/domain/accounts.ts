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

/** Posts the movement once per key; a repeat replays the first answer, the account as `present` showed it. */
function postOnce<View>(
  db: Database,
  { userId, key, sum }: Movement,
  operation: { name: string; kind: string; sign: 1 | -1 },
  present: (account: Account) => View,
): Promise<IdempotentOutcome<View>> {
  const fingerprint = fingerprintOf(operation.name, { sum });
  return withIdempotency(db, { scope: scopeOf(userId), key, fingerprint }, (tx) =>
    new Ledger(tx)
      .post(userId, { amount: operation.sign * sum, kind: operation.kind, idempotencyKey: key })
      .then(accepted)
      .then(present),
  );
}

/** Credits the account once per key. */
export const topUp = <View>(db: Database, movement: Movement, present: (account: Account) => View) =>
  postOnce(db, movement, { name: 'top-up', kind: kinds.topUp, sign: 1 }, present);

/** Debits the account once per key; without enough money nothing happens and nothing is recorded. */
export const pay = <View>(db: Database, movement: Movement, present: (account: Account) => View) =>
  postOnce(db, movement, { name: 'pay', kind: kinds.payment, sign: -1 }, present);

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
