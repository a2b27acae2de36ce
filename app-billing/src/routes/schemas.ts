import { formatTimestamp, PositiveInt, Timestamp, Type } from '@adboard/kit';
import type { Account, LedgerEntry } from '@adboard/ledger';

/** The largest amount one operation may move (whole currency units). */
export const MAX_SUM = 1_000_000_000;

export const AccountView = Type.Object({
  userId: Type.Integer(),
  balance: Type.Integer(),
  createdAt: Timestamp(),
  updatedAt: Timestamp(),
});

export const EntryView = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: 'top_up, payment, top_up_reversal or payment_reversal' }),
  amount: Type.Integer({ description: 'signed: credits are positive, debits negative' }),
  idempotencyKey: Type.Union([Type.String(), Type.Null()]),
  reverses: Type.Union([Type.Integer(), Type.Null()], { description: 'the entry this one reverses' }),
  createdAt: Timestamp(),
});

export const Sum = Type.Object({ sum: PositiveInt(MAX_SUM, `whole units, at most ${MAX_SUM}`) });

export const accountView = ({ userId, balance, createdAt, updatedAt }: Account) => ({
  userId,
  balance,
  createdAt: formatTimestamp(createdAt),
  updatedAt: formatTimestamp(updatedAt),
});

export const entryView = ({ id, kind, amount, idempotencyKey, reverses, createdAt }: LedgerEntry) => ({
  id,
  kind,
  amount,
  idempotencyKey,
  reverses,
  createdAt: formatTimestamp(createdAt),
});
