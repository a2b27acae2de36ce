import { randomUUID } from 'node:crypto';
import { call, waitFor } from '@adboard/kit/testing';
import { describe, expect, it } from 'vitest';
import { priceOf } from '../src/domain/advertisement.js';
import { useWorld } from './harness.js';

const world = useWorld();

const ad = { title: 'Продам гараж', text: 'test '.repeat(60) };

describe('price', () => {
  it('counts the text in Unicode code points', () => {
    expect(priceOf('test '.repeat(60))).toBe(300);
    expect(priceOf('Привет')).toBe(6);
    expect(priceOf('👍🏽!')).toBe(3);
  });
});

describe('POST /api/v1/adv/create', () => {
  it('buys an advertisement: charged, bonus accrued, active, one notification', async () => {
    const user = await world.user(1000);
    const response = await world.buy(user, randomUUID(), ad);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      data: {
        id: expect.any(Number),
        userId: user.id,
        title: ad.title,
        text: ad.text,
        cost: 300,
        status: 'active',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
        updatedAt: expect.any(String),
      },
    });
    expect(await world.balance(user)).toBe(700);
    expect(await world.bonusOf(user)).toBe(30);
    await waitFor(async () => (await world.notifications(user)).length === 1, { what: 'the notification' });
    expect(await world.notifications(user)).toEqual(['Объявление на сумму 300 успешно оплачено']);
    await world.expectConsistentBooks(user);
  });

  it('replays a repeat after success: the same advertisement, no charge, no new notification', async () => {
    const user = await world.user(1000);
    const key = randomUUID();
    const first = await world.buy(user, key, ad);
    const repeat = await world.buy(user, key, ad);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(await world.balance(user)).toBe(700);
    expect(await world.bonusOf(user)).toBe(30);
    await world.expectConsistentBooks(user);
    expect(await world.notifications(user)).toEqual(['Объявление на сумму 300 успешно оплачено']);
  });

  it('answers 422 for the same key with another advertisement', async () => {
    const user = await world.user(1000);
    const key = randomUUID();
    await world.buy(user, key, ad);
    const other = await world.buy(user, key, { title: 'Другое', text: 'x' });
    expect(other.status).toBe(422);
    expect(other.body.errors).toEqual([
      { text: 'This idempotency key was already used for a different request.', field: 'idempotencyKey' },
    ]);
  });

  it('refuses without enough money: balance and bonus as before, one failure notification', async () => {
    const user = await world.user(299);
    const response = await world.buy(user, randomUUID(), ad);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, errors: [{ text: 'Ошибка выполнения платежа' }] });
    expect(await world.balance(user)).toBe(299);
    expect(await world.bonusOf(user)).toBe(0);
    await waitFor(async () => (await world.notifications(user)).length === 1, { what: 'the notification' });
    expect(await world.notifications(user)).toEqual(['Ошибка выполнения платежа']);
    await world.expectConsistentBooks(user);
  });

  it('runs the purchase again when repeated after a failure, and it may succeed then', async () => {
    const user = await world.user(100);
    const key = randomUUID();
    expect((await world.buy(user, key, ad)).status).toBe(400);
    await world.topUp(user, 200);
    const again = await world.buy(user, key, ad);
    expect(again.status).toBe(200);
    expect(again.body.data.status).toBe('active');
    expect(await world.balance(user)).toBe(0);
    expect(await world.bonusOf(user)).toBe(30);
    await waitFor(async () => (await world.notifications(user)).length === 2, { what: 'two notifications' });
    expect(await world.notifications(user)).toEqual([
      'Ошибка выполнения платежа',
      'Объявление на сумму 300 успешно оплачено',
    ]);
    await world.expectConsistentBooks(user);
  });

  it('answers 409 while a purchase with the same key is still running', async () => {
    const user = await world.user(1000);
    const key = randomUUID();
    world.billingProxy.inject('/api/v1/account/pay', 'fail', 3);
    const first = world.buy(user, key, ad);
    await waitFor(() => world.billingProxy.seen.some((s) => s.path.endsWith(`/pay/${user.id}`)), {
      what: 'the first payment attempt',
    });
    const second = await world.buy(user, key, ad);
    expect(second.status).toBe(409);
    expect(second.body.errors).toEqual([
      { text: 'A request with this idempotency key is still in progress.', field: 'idempotencyKey' },
    ]);
    expect((await first).status).toBe(200);
    await world.expectConsistentBooks(user);
  });

  it('validates the key and the body', async () => {
    const user = await world.user();
    const noKey = await call(world.adv.url, 'POST', '/api/v1/adv/create', {
      body: ad,
      headers: { 'x-auth-token': user.token },
    });
    expect(noKey.body).toEqual({
      success: false,
      errors: [{ text: 'Заголовок X-Idempotency-Key не может быть пустым', field: 'idempotencyKey' }],
    });
    const empty = await world.buy(user, randomUUID(), { title: ' ', text: 5 });
    expect(empty.body).toEqual({
      success: false,
      errors: [
        { text: 'Поле не может быть пустым', field: 'title' },
        { text: 'This value should be of type string.', field: 'text' },
      ],
    });
    const long = await world.buy(user, randomUUID(), { title: 't'.repeat(256), text: 'x'.repeat(10_001) });
    expect(long.body.errors).toEqual([
      { text: 'This value is too long. It should have 255 characters or less.', field: 'title' },
      { text: 'This value is too long. It should have 10000 characters or less.', field: 'text' },
    ]);
    expect((await call(world.adv.url, 'POST', '/api/v1/adv/create', { body: ad })).status).toBe(401);
  });

  it('sells to 20 parallel purchases exactly what the balance pays for', async () => {
    const user = await world.user(1000);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => world.buy(user, randomUUID(), { title: 'P', text: 'x'.repeat(100) })),
    );
    // 202: a purchase that outlasted the time budget under this load; it finishes in the background
    expect(responses.every((r) => [200, 202, 400].includes(r.status))).toBe(true);
    for (const refused of responses.filter((r) => r.status === 400)) {
      expect(refused.body.errors).toEqual([{ text: 'Ошибка выполнения платежа' }]);
    }
    const purchases = await world.settledPurchases(user);
    expect(purchases.filter((p) => p.state === 'succeeded')).toHaveLength(10);
    expect(purchases.filter((p) => p.state === 'failed')).toHaveLength(10);
    expect(await world.balance(user)).toBe(0);
    expect(await world.bonusOf(user)).toBe(100);
    await world.expectConsistentBooks(user);
  });
});

describe('reading advertisements', () => {
  it('shows the owner their advertisements, newest first, and nobody else', async () => {
    const user = await world.user(1000);
    const other = await world.user();
    const first = (await world.buy(user, randomUUID(), { title: 'first', text: 'a' })).body.data;
    const second = (await world.buy(user, randomUUID(), { title: 'second', text: 'b' })).body.data;
    const headers = { 'x-auth-token': user.token };
    expect((await call(world.adv.url, 'GET', `/api/v1/adv/${first.id}`, { headers })).body.data).toEqual(
      first,
    );
    const list = await call(world.adv.url, 'GET', '/api/v1/adv', { headers });
    expect(list.body.data.map((a: { title: string }) => a.title)).toEqual(['second', 'first']);
    expect((await call(world.adv.url, 'GET', '/api/v1/adv?limit=1&page=2', { headers })).body.data).toEqual([
      first,
    ]);
    const foreign = await call(world.adv.url, 'GET', `/api/v1/adv/${second.id}`, {
      headers: { 'x-auth-token': other.token },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ success: false, errors: [{ text: 'Объявление не найдено' }] });
    expect(
      (await call(world.adv.url, 'GET', '/api/v1/adv', { headers: { 'x-auth-token': other.token } })).body,
    ).toEqual({ success: true, data: [] });
    expect((await call(world.adv.url, 'GET', '/api/v1/adv/abc', { headers })).status).toBe(404);
  });

  it('hands out fresh keys', async () => {
    const user = await world.user();
    const response = await call(world.adv.url, 'GET', '/api/v1/adv/uuid', {
      headers: { 'x-auth-token': user.token },
    });
    expect(response.body.data.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });
});
