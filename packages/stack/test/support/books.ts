import { databaseUrl } from '@adboard/kit';
import { waitFor } from '@adboard/kit/testing';
import pg from 'pg';
import { expect } from 'vitest';

export interface StackDatabases {
  billing: string;
  bonus: string;
  adv: string;
}

async function rows<R>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Net amount per (user, idempotency key) of the ledger at `url`. */
async function netByKey(url: string): Promise<Map<string, number>> {
  const sums = await rows<{ user_id: number; key: string; net: string }>(
    url,
    `SELECT user_id, idempotency_key AS key, sum(amount)::text AS net FROM ledger_entries
     WHERE idempotency_key LIKE 'purchase-%' GROUP BY user_id, idempotency_key`,
  );
  return new Map(sums.map((row) => [`${row.user_id}/${row.key}`, Number(row.net)]));
}

/**
 * The books of a whole stack, from each service's own database, once no purchase is unfinished:
 * balance = Σ ledger for every account in billing and bonus; a purchase is paid if and only if
 * it succeeded, its bonus stands if and only if it was paid, and its advertisement is active if
 * and only if it was paid. Resolves with the number of purchases checked.
 */
export async function expectBooksHold(server: string, names: StackDatabases): Promise<number> {
  const [billing, bonus, adv] = [names.billing, names.bonus, names.adv].map((name) =>
    databaseUrl(server, name),
  );
  await waitFor(
    async () =>
      (
        await rows<{ n: number }>(adv!, 'SELECT count(*)::int AS n FROM purchases WHERE finished_at IS NULL')
      )[0]!.n === 0,
    { timeoutMs: 60_000, intervalMs: 200, what: 'every purchase to finish' },
  );
  for (const url of [billing!, bonus!]) {
    const drifted = await rows(
      url,
      `SELECT a.user_id, a.balance FROM accounts a
       WHERE a.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger_entries e WHERE e.user_id = a.user_id)`,
    );
    expect(drifted).toEqual([]);
  }
  const [paid, accrued] = await Promise.all([netByKey(billing!), netByKey(bonus!)]);
  const purchases = await rows<{ id: string; user_id: number; cost: number; state: string; status: string }>(
    adv!,
    `SELECT p.id, p.user_id, p.cost, p.state, a.status FROM purchases p JOIN advertisements a ON a.id = p.advertisement_id`,
  );
  for (const purchase of purchases) {
    const key = `${purchase.user_id}/purchase-${purchase.id}`;
    const succeeded = purchase.state === 'succeeded';
    expect({
      purchase: purchase.id,
      state: purchase.state,
      paid: -(paid.get(key) ?? 0) + 0,
      bonus: (accrued.get(key) ?? 0) > 0,
    }).toEqual({
      purchase: purchase.id,
      state: purchase.state,
      paid: succeeded ? purchase.cost : 0,
      bonus: succeeded,
    });
    if (succeeded) expect(purchase.status).toBe('active');
  }
  return purchases.length;
}
