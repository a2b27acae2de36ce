import { join } from 'node:path';
import { packageDir, type MigrationSource, type Queryable } from '@adboard/kit';

/** The `accounts` and `ledger_entries` tables, for services that keep money-like balances. */
export const ledgerMigrations: MigrationSource = {
  name: 'ledger',
  dir: join(packageDir(import.meta.url), 'migrations'),
};

export interface Account {
  userId: number;
  balance: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface LedgerEntry {
  id: number;
  userId: number;
  amount: number;
  kind: string;
  idempotencyKey: string | null;
  reverses: number | null;
  createdAt: Date;
}

/** Why a posting was refused. */
export type PostingRefusal = 'no-account' | 'insufficient-funds';

interface AccountRow {
  user_id: number;
  balance: number;
  created_at: Date;
  updated_at: Date;
}

interface EntryRow {
  id: number;
  user_id: number;
  amount: number;
  kind: string;
  idempotency_key: string | null;
  reverses: number | null;
  created_at: Date;
}

const toAccount = (row: AccountRow): Account => ({
  userId: row.user_id,
  balance: row.balance,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toEntry = (row: EntryRow): LedgerEntry => ({
  id: row.id,
  userId: row.user_id,
  amount: row.amount,
  kind: row.kind,
  idempotencyKey: row.idempotency_key,
  reverses: row.reverses,
  createdAt: row.created_at,
});

/**
 * Balances that change only by posting a ledger entry, in the caller's transaction. The balance is
 * changed by one conditional update (`balance + amount >= 0`), never from a value read earlier, so
 * concurrent postings can neither lose an update nor take an account below zero.
 */
export class Ledger {
  constructor(private readonly db: Queryable) {}

  /** Opens an account with balance 0; false when it already existed. */
  async open(userId: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'INSERT INTO accounts (user_id) VALUES ($1) ON CONFLICT DO NOTHING',
      [userId],
    );
    return rowCount === 1;
  }

  async account(userId: number): Promise<Account | undefined> {
    const { rows } = await this.db.query<AccountRow>('SELECT * FROM accounts WHERE user_id = $1', [userId]);
    return rows[0] && toAccount(rows[0]);
  }

  /** The account, locked until the end of the transaction (serialises reversals on it). */
  async lockAccount(userId: number): Promise<Account | undefined> {
    const { rows } = await this.db.query<AccountRow>('SELECT * FROM accounts WHERE user_id = $1 FOR UPDATE', [
      userId,
    ]);
    return rows[0] && toAccount(rows[0]);
  }

  /** Adds `amount` (negative to take) and records the entry, or says why it cannot. */
  async post(
    userId: number,
    entry: { amount: number; kind: string; idempotencyKey?: string; reverses?: number },
  ): Promise<Account | PostingRefusal> {
    // One statement: the conditional update and its entry, or neither.
    const { rows } = await this.db.query<AccountRow>(
      `WITH moved AS (
         UPDATE accounts SET balance = balance + $2::bigint, updated_at = now()
         WHERE user_id = $1 AND balance + $2::bigint >= 0 RETURNING *
       ), entry AS (
         INSERT INTO ledger_entries (user_id, amount, kind, idempotency_key, reverses)
         SELECT user_id, $2::bigint, $3::text, $4::text, $5::bigint FROM moved RETURNING id
       )
       SELECT moved.* FROM moved, entry`,
      [userId, entry.amount, entry.kind, entry.idempotencyKey ?? null, entry.reverses ?? null],
    );
    if (!rows[0]) return (await this.account(userId)) ? 'insufficient-funds' : 'no-account';
    return toAccount(rows[0]);
  }

  /**
   * The newest entry of one of `kinds` made with `key` and not reversed yet, locked until the end
   * of the transaction so two reversals of it cannot both proceed.
   */
  async reversible(userId: number, key: string, kinds: string[]): Promise<LedgerEntry | undefined> {
    const { rows } = await this.db.query<EntryRow>(
      `SELECT e.* FROM ledger_entries e
       WHERE e.user_id = $1 AND e.idempotency_key = $2 AND e.kind = ANY($3)
         AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses = e.id)
       ORDER BY e.id DESC LIMIT 1 FOR UPDATE`,
      [userId, key, kinds],
    );
    return rows[0] && toEntry(rows[0]);
  }

  /** Posts the opposite of `entry`, naming it. */
  reverse(entry: LedgerEntry, kind: string): Promise<Account | PostingRefusal> {
    return this.post(entry.userId, {
      amount: -entry.amount,
      kind,
      reverses: entry.id,
      ...(entry.idempotencyKey ? { idempotencyKey: entry.idempotencyKey } : {}),
    });
  }

  /** Entries newest first. */
  async entries(userId: number, page: { limit: number; offset: number }): Promise<LedgerEntry[]> {
    const { rows } = await this.db.query<EntryRow>(
      'SELECT * FROM ledger_entries WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3',
      [userId, page.limit, page.offset],
    );
    return rows.map(toEntry);
  }
}
