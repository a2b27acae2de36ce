import { lockIdempotencyKey, releaseIdempotencyKey, type Database } from '@adboard/kit';
import { Ledger, type Account, type LedgerEntry, type PostingRefusal } from './ledger.js';

export interface Reversal {
  userId: number;
  key: string;
  /** The idempotency scope the key was claimed in. */
  scope: string;
  /** Each reversible entry kind and the kind of the entry that reverses it. */
  reversalKinds: Readonly<Record<string, string>>;
  /** Throws when the caller may not reverse `entry`. */
  authorise?: (entry: LedgerEntry) => void;
  /** The error to answer when there is no account, or the reversal would take it below zero. */
  refused: (why: PostingRefusal) => Error;
}

/**
 * Reverses the newest unreversed entry made with `key` and frees the key, so the same key applies
 * again afterwards; with nothing to reverse the key is freed too and the account answered as it is.
 * The key is taken first (409 while a request with it is still running: its effect cannot be seen
 * yet, so "nothing to reverse" could be wrong), then the account, so concurrent reversals of one key
 * reverse it once. Whatever is refused changes nothing, the key included.
 */
export function reverseByKey(db: Database, reversal: Reversal): Promise<Account> {
  return db.transaction(async (tx) => {
    await lockIdempotencyKey(tx, reversal.scope, reversal.key);
    const ledger = new Ledger(tx);
    const account = await ledger.lockAccount(reversal.userId);
    if (!account) throw reversal.refused('no-account');
    const entry = await ledger.reversible(reversal.userId, reversal.key, Object.keys(reversal.reversalKinds));
    if (entry) reversal.authorise?.(entry);
    await releaseIdempotencyKey(tx, reversal.scope, reversal.key);
    if (!entry) return account;
    const reversed = await ledger.reverse(entry, reversal.reversalKinds[entry.kind]!);
    if (typeof reversed === 'string') throw reversal.refused(reversed);
    return reversed;
  });
}
