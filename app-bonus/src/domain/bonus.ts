import {
  BusinessError,
  fingerprintOf,
  Ledger,
  releaseIdempotencyKey,
  withIdempotency,
  type Account,
  type Database,
  type IdempotentOutcome,
} from '@adboard/kit';

export const messages = {
  notFound: 'Бонусный счёт не найден',
  noAccountForUser: 'Бонусный счёт для пользователя не найден',
};

const kinds = { accrual: 'accrual', accrualReversal: 'accrual_reversal' };
const scopeOf = (userId: number) => `bonus:${userId}`;

/** round_half_up(sum × percent / 100), in integers only. */
export function bonusFor(sum: number, percent: number): number {
  return Math.floor((sum * percent + 50) / 100);
}

export async function getBonusAccount(db: Database, userId: number): Promise<Account> {
  const account = await new Ledger(db).account(userId);
  if (!account) throw new BusinessError(messages.notFound);
  return account;
}

/** Accrues the bonus for a purchase of `sum`, once per key. */
export function accrue(
  db: Database,
  { userId, key, sum, percent }: { userId: number; key: string; sum: number; percent: number },
): Promise<IdempotentOutcome<Account>> {
  return withIdempotency(
    db,
    { scope: scopeOf(userId), key, fingerprint: fingerprintOf('add', { sum }) },
    async (tx) => {
      const ledger = new Ledger(tx);
      const amount = bonusFor(sum, percent);
      const result =
        amount > 0
          ? await ledger.post(userId, { amount, kind: kinds.accrual, idempotencyKey: key })
          : await ledger.account(userId);
      if (!result || result === 'no-account') throw new BusinessError(messages.noAccountForUser);
      if (result === 'insufficient-funds') throw new Error('an accrual cannot lack funds');
      return result;
    },
  );
}

/** Reverses the accrual made with `key` and frees the key; nothing to reverse → the account as it is. */
export function reverseAccrual(
  db: Database,
  { userId, key }: { userId: number; key: string },
): Promise<Account> {
  return db.transaction(async (tx) => {
    const ledger = new Ledger(tx);
    const account = await ledger.lockAccount(userId);
    if (!account) throw new BusinessError(messages.noAccountForUser);
    const entry = await ledger.reversible(userId, key, [kinds.accrual]);
    await releaseIdempotencyKey(tx, scopeOf(userId), key);
    if (!entry) return account;
    const reversed = await ledger.reverse(entry, kinds.accrualReversal);
    if (typeof reversed === 'string') throw new Error(`bonus reversal refused: ${reversed}`);
    return reversed;
  });
}
