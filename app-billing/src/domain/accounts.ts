import {
  AccessDeniedError,
  BusinessError,
  fingerprintOf,
  Ledger,
  releaseIdempotencyKey,
  withIdempotency,
  type Account,
  type Database,
  type IdempotentOutcome,
  type LedgerEntry,
  type PostingRefusal,
} from '@adboard/kit';
import { kinds, messages } from './messages.js';

/** Idempotency keys are per account: the same key on two accounts is two keys. */
const scopeOf = (userId: number) => `account:${userId}`;

function accepted(result: Account | PostingRefusal): Account {
  if (result === 'no-account') throw new BusinessError(messages.noAccountForUser);
  if (result === 'insufficient-funds') throw new BusinessError(messages.insufficientFunds);
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

/** Credits the account once per key; a repeat replays the first answer. */
export function topUp(db: Database, { userId, key, sum }: Movement): Promise<IdempotentOutcome<Account>> {
  return withIdempotency(
    db,
    { scope: scopeOf(userId), key, fingerprint: fingerprintOf('top-up', { sum }) },
    (tx) =>
      new Ledger(tx).post(userId, { amount: sum, kind: kinds.topUp, idempotencyKey: key }).then(accepted),
  );
}

/** Debits the account once per key; without enough money nothing happens and nothing is recorded. */
export function pay(db: Database, { userId, key, sum }: Movement): Promise<IdempotentOutcome<Account>> {
  return withIdempotency(
    db,
    { scope: scopeOf(userId), key, fingerprint: fingerprintOf('pay', { sum }) },
    (tx) =>
      new Ledger(tx).post(userId, { amount: -sum, kind: kinds.payment, idempotencyKey: key }).then(accepted),
  );
}

const reversalKind: Record<string, string> = {
  [kinds.topUp]: kinds.topUpReversal,
  [kinds.payment]: kinds.paymentReversal,
};

/**
 * Reverses the operation made with `key` on this account and frees the key, so the same key
 * applies again afterwards. Nothing to reverse → the account as it is. A user may reverse their
 * own top-up; a payment only a service may reverse.
 */
export async function rollback(
  db: Database,
  { userId, key, byService }: { userId: number; key: string; byService: boolean },
): Promise<Account> {
  return db.transaction(async (tx) => {
    const ledger = new Ledger(tx);
    const account = await ledger.lockAccount(userId);
    if (!account) throw new BusinessError(messages.noAccountForUser);
    const entry: LedgerEntry | undefined = await ledger.reversible(userId, key, [kinds.topUp, kinds.payment]);
    if (!entry) return account;
    if (entry.kind === kinds.payment && !byService) throw new AccessDeniedError();
    const reversed = accepted(await ledger.reverse(entry, reversalKind[entry.kind]!));
    await releaseIdempotencyKey(tx, scopeOf(userId), key);
    return reversed;
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
