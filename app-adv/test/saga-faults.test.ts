import { randomUUID } from 'node:crypto';
import type { Fault } from '@adboard/kit/testing';
import { call, waitFor } from '@adboard/kit/testing';
import { describe, expect, it } from 'vitest';
import type { SagaStep as Step } from '../src/domain/purchase.js';
import { AbandonedRun, type SagaHooks } from '../src/saga/purchase-saga.js';
import { BUDGET_MS, useWorld, type User } from './harness.js';

const world = useWorld();

const ad = { title: 'Гараж', text: 'x'.repeat(300) };

/** Hooks that "crash" app-adv once, at one step boundary: the run stops with nothing more stored. */
function crashOnce(step: Step, when: 'before' | 'after'): SagaHooks & { crashed: () => boolean } {
  let crashed = false;
  const crash = (at: Step) => {
    if (crashed || at !== step) return;
    crashed = true;
    throw new AbandonedRun(`crash ${when} ${step}`);
  };
  return {
    crashed: () => crashed,
    ...(when === 'before' ? { beforeCall: crash } : { afterCall: crash }),
  };
}

async function finalOutcome(user: User) {
  const [purchase] = await world.settledPurchases(user);
  return purchase!.state;
}

describe('app-adv stopped at a step boundary, then restarted', () => {
  const cases: [Step, 'before' | 'after', number, 'succeeded' | 'failed'][] = [
    ['bonus', 'before', 1000, 'succeeded'],
    ['bonus', 'after', 1000, 'succeeded'],
    ['payment', 'before', 1000, 'succeeded'],
    ['payment', 'after', 1000, 'succeeded'],
    ['payment', 'after', 100, 'failed'],
    ['bonus-reversal', 'before', 100, 'failed'],
    ['bonus-reversal', 'after', 100, 'failed'],
  ];

  it.each(cases)(
    'crash %s call (%s), balance %i → %s, books consistent',
    async (step, when, balance, expected) => {
      const user = await world.user(balance);
      const hooks = crashOnce(step, when);
      await world.restartAdv(hooks);
      const answer = await world.buy(user, randomUUID(), ad);
      expect(hooks.crashed()).toBe(true);
      expect(answer.status).toBe(202);
      expect(answer.body.data.status).toBe('pending');
      await world.restartAdv();
      expect(await finalOutcome(user)).toBe(expected);
      expect(await world.balance(user)).toBe(expected === 'succeeded' ? balance - 300 : balance);
      expect(await world.bonusOf(user)).toBe(expected === 'succeeded' ? 30 : 0);
      await world.expectConsistentBooks(user);
    },
  );
});

describe('a callee failing, hanging or losing its answer', () => {
  const cases: [string, 'billing' | 'bonus', string, Fault, number][] = [
    ['bonus fails twice', 'bonus', '/api/v1/bonus/add', 'fail', 2],
    ['bonus hangs once', 'bonus', '/api/v1/bonus/add', 'hang', 1],
    ['bonus commits but its answer is lost', 'bonus', '/api/v1/bonus/add', 'lose-response', 1],
    ['payment fails twice', 'billing', '/api/v1/account/pay', 'fail', 2],
    ['payment hangs once', 'billing', '/api/v1/account/pay', 'hang', 1],
    ['payment commits but its answer is lost', 'billing', '/api/v1/account/pay', 'lose-response', 2],
    // A credential refused (403: a key rotation half done) is an outage to retry, never "payment failed".
    ['bonus refuses the credential twice', 'bonus', '/api/v1/bonus/add', 'drop-credential', 2],
    ['payment refuses the credential three times', 'billing', '/api/v1/account/pay', 'drop-credential', 3],
  ];

  it.each(cases)('%s → the purchase still succeeds, once', async (_name, target, path, fault, times) => {
    const user = await world.user(1000);
    const proxy = target === 'billing' ? world.billingProxy : world.bonusProxy;
    proxy.inject(`${path}/${user.id}`, fault, times);
    const key = randomUUID();
    const answer = await world.buy(user, key, ad);
    expect([200, 202]).toContain(answer.status);
    expect(await finalOutcome(user)).toBe('succeeded');
    expect(await world.balance(user)).toBe(700);
    expect(await world.bonusOf(user)).toBe(30);
    expect(proxy.requestsTo(`${path}/${user.id}`)).toBeGreaterThan(times);
    await world.expectConsistentBooks(user);
    expect((await world.buy(user, key, ad)).status).toBe(200);
  });

  it('a lost answer to a refused payment is asked again, then the bonus is reversed', async () => {
    const user = await world.user(100);
    world.billingProxy.inject(`/api/v1/account/pay/${user.id}`, 'lose-response', 1);
    const answer = await world.buy(user, randomUUID(), ad);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ text: 'Ошибка выполнения платежа' }]);
    expect(await world.bonusOf(user)).toBe(0);
    await world.expectConsistentBooks(user);
  });

  it('a compensation that fails is retried until done', async () => {
    const user = await world.user(100);
    const path = `/api/v1/bonus/rollback/${user.id}`;
    world.bonusProxy.inject(path, 'fail', 2).inject(path, 'hang', 1).inject(path, 'lose-response', 1);
    await world.buy(user, randomUUID(), ad);
    expect(await finalOutcome(user)).toBe('failed');
    expect(world.bonusProxy.requestsTo(path)).toBe(5);
    expect(await world.bonusOf(user)).toBe(0);
    await world.expectConsistentBooks(user);
  });

  it('a bonus service that never answers undoes the purchase with Ошибка пополнения бонусного счёта', async () => {
    const user = await world.user(1000);
    const path = `/api/v1/bonus/add/${user.id}`;
    world.bonusProxy.inject(path, 'lose-response', 1).inject(path, 'hang', 1_000);
    const answer = await world.buy(user, randomUUID(), ad);
    expect([202, 400]).toContain(answer.status);
    expect(await finalOutcome(user)).toBe('failed');
    world.bonusProxy.clear();
    await waitFor(async () => (await world.notifications(user)).length === 1, {
      what: 'the failure notification',
    });
    expect(await world.notifications(user)).toEqual(['Ошибка пополнения бонусного счёта']);
    expect(await world.balance(user)).toBe(1000);
    expect(await world.bonusOf(user)).toBe(0);
    await world.expectConsistentBooks(user);
  });

  it('billing down past the time budget: 202, then the outcome once billing is back', async () => {
    const user = await world.user(1000);
    const path = `/api/v1/account/pay/${user.id}`;
    world.billingProxy.inject(path, 'fail', 1_000);
    const key = randomUUID();
    const started = Date.now();
    const answer = await world.buy(user, key, ad);
    expect(answer.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(BUDGET_MS + 1_500);
    expect((await world.buy(user, key, ad)).status).toBe(409);
    const metrics = (await call(world.adv.url, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/purchase_step_failures_total\{step="payment",service="app-adv"\} [1-9]/);
    expect(metrics).toMatch(
      /purchases_unfinished\{state="bonus_accrued",kind="all",service="app-adv"\} [1-9]/,
    );
    world.billingProxy.clear();
    expect(await finalOutcome(user)).toBe('succeeded');
    const repeat = await world.buy(user, key, ad);
    expect(repeat.status).toBe(200);
    expect(repeat.body.data.status).toBe('active');
    await world.expectConsistentBooks(user);
  });
});
