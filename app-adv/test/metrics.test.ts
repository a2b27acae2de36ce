import { randomUUID } from 'node:crypto';
import { call, waitFor } from '@adboard/kit/testing';
import { describe, expect, it } from 'vitest';
import { useWorld, type User } from './harness.js';

const world = useWorld();

const ad = { title: 'Гараж', text: 'x'.repeat(300) };

async function metrics(): Promise<string> {
  return (await call(world.adv.url, 'GET', '/metrics')).body as string;
}

/** The value of the sample `name{labels…,service="app-adv"}`. */
async function sample(name: string, labels: string): Promise<number> {
  const line = (await metrics())
    .split('\n')
    .find((l) => l.startsWith(`${name}{${labels},service="app-adv"} `));
  if (!line) throw new Error(`no sample ${name}{${labels}}`);
  return Number(line.split(' ')[1]);
}

const outcome = (name: string) => sample('purchase_outcomes_total', `outcome="${name}"`);

/** A user with a token but no accounts: the bonus service refuses their purchase's first step. */
async function unknownUser(): Promise<User> {
  const id = 900_000 + Math.floor(Math.random() * 90_000);
  const email = `nobody${id}@mail.ru`;
  return { id, email, token: await world.authority.tokenFor({ id, email }) };
}

describe('app-adv metrics', () => {
  it('exports 0 for every unfinished state and every outcome while idle, then counts each outcome', async () => {
    for (const state of ['reserved', 'bonus_accrued', 'paid', 'compensating'])
      for (const kind of ['all', 'stuck'])
        expect(await sample('purchases_unfinished', `state="${state}",kind="${kind}"`)).toBe(0);
    for (const name of ['paid', 'refused', 'compensated', 'stuck']) expect(await outcome(name)).toBe(0);

    const rich = await world.user(1000);
    await world.buy(rich, randomUUID(), ad);
    await world.settledPurchases(rich);
    const poor = await world.user(100);
    await world.buy(poor, randomUUID(), ad);
    await world.settledPurchases(poor);
    const nobody = await unknownUser();
    await world.buy(nobody, randomUUID(), ad);
    await world.settledPurchases(nobody);

    expect(await outcome('paid')).toBe(1);
    expect(await outcome('compensated')).toBe(1);
    expect(await outcome('refused')).toBe(1);
    expect(await outcome('stuck')).toBe(0);
    expect(await sample('purchases_unfinished', 'state="bonus_accrued",kind="all"')).toBe(0);
  });

  it('counts a purchase once when it becomes stuck', async () => {
    const user = await world.user(1000);
    world.billingProxy.inject(`/api/v1/account/pay/${user.id}`, 'fail', 1_000);
    try {
      await world.buy(user, randomUUID(), ad);
      // Nine retries already (as after minutes of failures); the next one makes it stuck.
      await world.advDatabase.db.query(
        'UPDATE purchases SET retries = 9, next_run_at = now() WHERE user_id = $1',
        [user.id],
      );
      await waitFor(async () => (await outcome('stuck')) === 1, {
        timeoutMs: 15_000,
        what: 'a stuck purchase',
      });
      expect(await sample('purchases_unfinished', 'state="bonus_accrued",kind="stuck"')).toBe(1);
    } finally {
      world.billingProxy.clear();
    }
    // Billing is back: run it now rather than after the stuck purchase's 30 s backoff.
    await world.advDatabase.db.query('UPDATE purchases SET next_run_at = now() WHERE user_id = $1', [
      user.id,
    ]);
    await world.settledPurchases(user);
    expect(await outcome('stuck')).toBe(1);
    expect(await outcome('paid')).toBe(2);
  });
});
