import {
  BusinessError,
  fingerprintOf,
  withIdempotency,
  type Database,
  type IdempotentOutcome,
} from '@adboard/kit';
import { Ledger, reverseByKey, type Account, type PostingRefusal } from '@adboard/ledger';

export const messages = {
  notFound: 'Бонусный счёт не найден',
  noAccountForUser: 'Бонусный счёт для пользователя не найден',
};

const kinds = { accrual: 'accrual', accrualReversal: 'accrual_reversal' };
const scopeOf = (userId: number) => `bonus:${userId}`;

/** Bonus balances only grow by accruals, so only a missing account can refuse a posting. */
function refusal(why: PostingRefusal): Error {
  if (why === 'no-account') return new BusinessError(messages.noAccountForUser);
  return new Error(`a bonus posting cannot lack funds: ${why}`);
}

/** round_half_up(sum × percent / 100), in integers only. */
export function bonusFor(sum: number, percent: number): number {
  return Math.floor((sum * percent + 50) / 100);
}

export async function getBonusAccount(db: Database, userId: number): Promise<Account> {
  const account = await new Ledger(db).account(userId);
  if (!account) throw new BusinessError(messages.notFound);
  return account;
}

/** Accrues the bonus for a purchase of `sum`, once per key; a repeat replays the stored `present`ed answer. */
export function accrue<View>(
  db: Database,
  { userId, key, sum, percent }: { userId: number; key: string; sum: number; percent: number },
  present: (account: Account) => View,
): Promise<IdempotentOutcome<View>> {
  return withIdempotency(
    db,
    { scope: scopeOf(userId), key, fingerprint: fingerprintOf('add', { sum }) },
    async (tx) => {
      const ledger = new Ledger(tx);
      const amount = bonusFor(sum, percent);
      const result =
        amount > 0
          ? await ledger.post(userId, { amount, kind: kinds.accrual, idempotencyKey: key })
          : ((await ledger.account(userId)) ?? 'no-account');
      if (typeof result === 'string') throw refusal(result);
      return present(result);
    },
  );
}

/** Reverses the accrual made with `key` and frees the key; nothing to reverse → the account as it is. */
export function reverseAccrual(
  db: Database,
  { userId, key }: { userId: number; key: string },
): Promise<Account> {
  return reverseByKey(db, {
    userId,
    key,
    scope: scopeOf(userId),
    reversalKinds: { [kinds.accrual]: kinds.accrualReversal },
    refused: refusal,
  });
}
