import { formatTimestamp, type Queryable } from '@adboard/kit';
import type { Claimed, Lease, NewPurchase, PurchaseStore, Saved, Transition } from '../domain/ports.js';
import {
  STUCK_AFTER_RETRIES,
  type FailedStep,
  type Purchase,
  type PurchaseState,
  type PurchaseStep,
} from '../domain/purchase.js';

interface PurchaseRow {
  id: string;
  user_id: number;
  idempotency_key: string;
  attempt: number;
  fingerprint: string;
  advertisement_id: number;
  email: string;
  cost: number;
  state: PurchaseState;
  failure: FailedStep | null;
  version: number;
  retries: number;
  created_at: Date;
  bonus_settles_at: Date | null;
}

const toPurchase = (row: PurchaseRow): Purchase => ({
  id: row.id,
  userId: row.user_id,
  idempotencyKey: row.idempotency_key,
  attempt: row.attempt,
  fingerprint: row.fingerprint,
  advertisementId: row.advertisement_id,
  email: row.email,
  cost: row.cost,
  state: row.state,
  failure: row.failure,
  version: row.version,
  retries: row.retries,
  createdAt: row.created_at,
  bonusSettlesAt: row.bonus_settles_at,
});

/** Whether the row's lease may be taken by `owner` (a query parameter): nobody's, expired, or its own. */
const leaseIsFreeOrOurs = (owner: string) =>
  `(lease_until IS NULL OR lease_until < now() OR lease_owner = ${owner})`;

const DUE_IN_MS = 'greatest(0, ceil(extract(epoch FROM next_run_at - now()) * 1000))::int AS due_in_ms';

/** PurchaseStore on PostgreSQL: the version check and the lease are conditions of each UPDATE. */
export class PurchaseRepository implements PurchaseStore {
  constructor(private readonly db: Queryable) {}

  async latestForKey(userId: number, key: string): Promise<Purchase | undefined> {
    const { rows } = await this.db.query<PurchaseRow>(
      'SELECT * FROM purchases WHERE user_id = $1 AND idempotency_key = $2 ORDER BY attempt DESC LIMIT 1 FOR UPDATE',
      [userId, key],
    );
    return rows[0] && toPurchase(rows[0]);
  }

  async create(purchase: NewPurchase, lease: Lease): Promise<Purchase> {
    const { rows } = await this.db.query<PurchaseRow>(
      `INSERT INTO purchases (id, user_id, idempotency_key, attempt, fingerprint, advertisement_id, email, cost, state, lease_owner, lease_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'reserved', $9, now() + make_interval(secs => $10 / 1000.0)) RETURNING *`,
      [
        purchase.id,
        purchase.userId,
        purchase.idempotencyKey,
        purchase.attempt,
        purchase.fingerprint,
        purchase.advertisementId,
        purchase.email,
        purchase.cost,
        lease.owner,
        lease.leaseMs,
      ],
    );
    return toPurchase(rows[0]!);
  }

  async byId(id: string): Promise<Purchase | undefined> {
    const { rows } = await this.db.query<PurchaseRow>('SELECT * FROM purchases WHERE id = $1', [id]);
    return rows[0] && toPurchase(rows[0]);
  }

  async claim(id: string, lease: Lease): Promise<Claimed | undefined> {
    const { rows } = await this.db.query<PurchaseRow & { due_in_ms: number }>(
      `UPDATE purchases SET lease_owner = $2, lease_until = now() + make_interval(secs => $3 / 1000.0)
       WHERE id = $1 AND finished_at IS NULL AND ${leaseIsFreeOrOurs('$2')}
       RETURNING *, ${DUE_IN_MS}`,
      [id, lease.owner, lease.leaseMs],
    );
    return rows[0] && { purchase: toPurchase(rows[0]), dueInMs: rows[0].due_in_ms };
  }

  async release(id: string, owner: string): Promise<void> {
    await this.db.query('UPDATE purchases SET lease_until = NULL WHERE id = $1 AND lease_owner = $2', [
      id,
      owner,
    ]);
  }

  /** One statement: the UPDATE and the steps it records commit or fail together. */
  async saveTransition(from: Purchase, change: Transition, lease: Lease): Promise<Saved | undefined> {
    const steps = change.steps ?? [];
    const { rows } = await this.db.query<PurchaseRow & { due_in_ms: number; leased: boolean }>(
      `WITH moved AS (
         UPDATE purchases SET
           state = coalesce($3, state),
           failure = coalesce($4, failure),
           retries = CASE WHEN $5::int IS NULL THEN 0 ELSE retries + 1 END,
           next_run_at = now() + make_interval(secs => coalesce($5::int, 0) / 1000.0),
           last_error = $6,
           bonus_settles_at = greatest(bonus_settles_at, $7),
           finished_at = CASE WHEN $8 THEN now() END,
           version = version + 1,
           updated_at = now(),
           lease_owner = CASE WHEN ${leaseIsFreeOrOurs('$12')} THEN $12 ELSE lease_owner END,
           lease_until = CASE WHEN ${leaseIsFreeOrOurs('$12')}
             THEN now() + make_interval(secs => $13 / 1000.0) ELSE lease_until END
         WHERE id = $1 AND version = $2
         RETURNING *
       ), recorded AS (
         INSERT INTO purchase_steps (purchase_id, step, outcome, attempts, at)
         SELECT moved.id, s.step, s.outcome, s.attempts, now()
         FROM moved, unnest($9::text[], $10::text[], $11::int[]) WITH ORDINALITY AS s(step, outcome, attempts, n)
         ORDER BY s.n
         ON CONFLICT (purchase_id, step) DO UPDATE
           SET outcome = EXCLUDED.outcome, attempts = purchase_steps.attempts + EXCLUDED.attempts, at = EXCLUDED.at
       )
       SELECT *, ${DUE_IN_MS}, finished_at IS NULL AND lease_owner = $12 AS leased FROM moved`,
      [
        from.id,
        from.version,
        change.state ?? null,
        change.failure ?? null,
        change.retryInMs ?? null,
        change.lastError ?? null,
        change.bonusSettlesAt ?? null,
        change.finished ?? false,
        steps.map((step) => step.step),
        steps.map((step) => step.outcome),
        steps.map((step) => step.attempts),
        lease.owner,
        lease.leaseMs,
      ],
    );
    const row = rows[0];
    return row && { purchase: toPurchase(row), dueInMs: row.due_in_ms, leased: row.leased };
  }

  async latestForAdvertisement(advertisementId: number): Promise<Purchase | undefined> {
    const { rows } = await this.db.query<PurchaseRow>(
      'SELECT * FROM purchases WHERE advertisement_id = $1 ORDER BY attempt DESC LIMIT 1',
      [advertisementId],
    );
    return rows[0] && toPurchase(rows[0]);
  }

  async stepsOf(purchaseId: string): Promise<PurchaseStep[]> {
    const { rows } = await this.db.query<Omit<PurchaseStep, 'at'> & { at: Date }>(
      'SELECT step, outcome, attempts, at FROM purchase_steps WHERE purchase_id = $1 ORDER BY position',
      [purchaseId],
    );
    return rows.map((row) => ({ ...row, at: formatTimestamp(row.at) }));
  }

  async due(limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM purchases
       WHERE finished_at IS NULL AND next_run_at <= now() AND (lease_until IS NULL OR lease_until < now())
       ORDER BY next_run_at LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  async unfinishedByState(): Promise<{ state: string; count: number; stuck: number }[]> {
    const { rows } = await this.db.query<{ state: string; count: number; stuck: number }>(
      `SELECT state, count(*)::int AS count, count(*) FILTER (WHERE retries >= $1)::int AS stuck
       FROM purchases WHERE finished_at IS NULL GROUP BY state`,
      [STUCK_AFTER_RETRIES],
    );
    return rows;
  }
}
