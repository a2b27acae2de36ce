import { randomUUID } from 'node:crypto';
import { call, useAuthority, userEvent, userWithAccount, useService } from '@adboard/kit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { bonusService } from '../src/app.js';
import { bonusFor } from '../src/domain/bonus.js';

const authority = useAuthority();
const app = useService(bonusService, { authority });
let advToken: string;
beforeAll(async () => {
  advToken = await app.serviceToken('app-adv');
});

const newUser = () => userWithAccount(app, authority, '/api/v1/bonus');
const bonusOf = async (user: { id: number; token: string }) =>
  (await call(app.url, 'GET', `/api/v1/bonus/${user.id}`, { headers: { 'x-auth-token': user.token } })).body
    .data;
const add = (
  userId: number,
  key: string,
  body: unknown,
  headers: Record<string, string> = { 'x-service-token': advToken },
) =>
  call(app.url, 'PUT', `/api/v1/bonus/add/${userId}`, {
    body,
    headers: { ...headers, 'x-idempotency-key': key },
  });
const rollback = (
  userId: number,
  key: string,
  headers: Record<string, string> = { 'x-service-token': advToken },
) =>
  call(app.url, 'PUT', `/api/v1/bonus/rollback/${userId}`, {
    headers: { ...headers, 'x-idempotency-key': key },
  });
const count = async (sql: string, params: unknown[]) =>
  (await app.database!.db.query<{ n: number }>(sql, params)).rows[0]!.n;

describe('round half up', () => {
  it.each([
    [300, 10, 30],
    [5, 10, 1],
    [4, 10, 0],
    [15, 10, 2],
    [25, 10, 3],
    [1, 50, 1],
    [999_999_999, 10, 100_000_000],
    [123, 0, 0],
    [123, 100, 123],
  ])('bonusFor(%i, %i%%) = %i', (sum, percent, expected) => {
    expect(bonusFor(sum, percent)).toBe(expected);
  });
});

describe('bonus accounts from user.event', () => {
  it('opens one bonus account with 0 per user, however often the event arrives', async () => {
    const user = await newUser();
    expect(await bonusOf(user)).toEqual({
      userId: user.id,
      bonus: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const event = userEvent(user.id);
    await app.ports.bus!.publish([event, event, userEvent(user.id)]);
    const witness = await newUser();
    expect(await bonusOf(witness)).toMatchObject({ bonus: 0 });
    expect(await count('SELECT count(*)::int AS n FROM accounts WHERE user_id = $1', [user.id])).toBe(1);
  });

  it('answers 400 Бонусный счёт не найден without an account, 401 and 403 as usual', async () => {
    const token = await authority.tokenFor({ id: 91 });
    const missing = await call(app.url, 'GET', '/api/v1/bonus/91', { headers: { 'x-auth-token': token } });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ success: false, errors: [{ text: 'Бонусный счёт не найден' }] });
    expect((await call(app.url, 'GET', '/api/v1/bonus/91')).status).toBe(401);
    expect(
      (await call(app.url, 'GET', '/api/v1/bonus/92', { headers: { 'x-auth-token': token } })).status,
    ).toBe(403);
  });
});

describe('PUT /api/v1/bonus/add/{userId} (internal)', () => {
  it('accrues 10 % of the purchase, once per key', async () => {
    const user = await newUser();
    const key = randomUUID();
    const first = await add(user.id, key, { sum: 300 });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ userId: user.id, bonus: 30 });
    const repeat = await add(user.id, key, { sum: 300 });
    expect(repeat.body).toEqual(first.body);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect((await bonusOf(user)).bonus).toBe(30);
    expect((await add(user.id, key, { sum: 400 })).status).toBe(422);
  });

  it('replays a key stored by the previous release (the account with `balance`) as the bonus view', async () => {
    const user = await newUser();
    const key = randomUUID();
    const first = await add(user.id, key, { sum: 300 });
    const { createdAt, updatedAt } = first.body.data;
    await app.database!.db.query(
      'UPDATE idempotency_keys SET response_body = $3 WHERE scope = $1 AND key = $2',
      [`bonus:${user.id}`, key, JSON.stringify({ userId: user.id, balance: 30, createdAt, updatedAt })],
    );
    const repeat = await add(user.id, key, { sum: 300 });
    expect(repeat.status).toBe(200);
    expect(repeat.body.data).toEqual({ userId: user.id, bonus: 30, createdAt, updatedAt });
  });

  it('records a purchase too small for a bonus without an entry', async () => {
    const user = await newUser();
    const key = randomUUID();
    expect((await add(user.id, key, { sum: 4 })).body.data.bonus).toBe(0);
    expect((await add(user.id, key, { sum: 4 })).headers.get('idempotent-replayed')).toBe('true');
    expect(await count('SELECT count(*)::int AS n FROM ledger_entries WHERE user_id = $1', [user.id])).toBe(
      0,
    );
  });

  it('answers 400 Бонусный счёт для пользователя не найден without an account', async () => {
    const response = await add(93, randomUUID(), { sum: 100 });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      success: false,
      errors: [{ text: 'Бонусный счёт для пользователя не найден' }],
    });
  });

  it('validates the key and the body', async () => {
    const user = await newUser();
    const noKey = await call(app.url, 'PUT', `/api/v1/bonus/add/${user.id}`, {
      body: { sum: 1 },
      headers: { 'x-service-token': advToken },
    });
    expect(noKey.body).toEqual({
      success: false,
      errors: [{ text: 'Заголовок X-Idempotency-Key не может быть пустым', field: 'idempotencyKey' }],
    });
    const badSum = await add(user.id, randomUUID(), { sum: 'many' });
    expect(badSum.body).toEqual({
      success: false,
      errors: [{ text: 'This value should be of type int.', field: 'sum' }],
    });
  });

  it('answers 403 to a user, even the account owner, and to services other than app-adv', async () => {
    const user = await newUser();
    const asUser = await add(user.id, randomUUID(), { sum: 100 }, { 'x-auth-token': user.token });
    expect(asUser.status).toBe(403);
    expect(asUser.body).toEqual({ success: false, errors: ['Access denied'] });
    expect(
      (
        await add(
          user.id,
          randomUUID(),
          { sum: 100 },
          { 'x-service-token': await app.serviceToken('app-user') },
        )
      ).status,
    ).toBe(403);
    expect((await bonusOf(user)).bonus).toBe(0);
  });

  it('accrues once under 30 parallel identical requests', async () => {
    const user = await newUser();
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 30 }, () => add(user.id, key, { sum: 1000 })));
    expect(responses.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect((await bonusOf(user)).bonus).toBe(100);
  });
});

describe('PUT /api/v1/bonus/rollback/{userId} (internal)', () => {
  it('reverses the accrual made with the key; the key then applies again', async () => {
    const user = await newUser();
    const key = randomUUID();
    await add(user.id, key, { sum: 500 });
    await add(user.id, randomUUID(), { sum: 100 });
    const undone = await rollback(user.id, key);
    expect(undone.status).toBe(200);
    expect(undone.body.data.bonus).toBe(10);
    expect((await rollback(user.id, key)).body.data.bonus).toBe(10);
    expect((await add(user.id, key, { sum: 500 })).body.data.bonus).toBe(60);
  });

  it('answers 200 unchanged for a key with nothing to reverse', async () => {
    const user = await newUser();
    const response = await rollback(user.id, randomUUID());
    expect(response.status).toBe(200);
    expect(response.body.data.bonus).toBe(0);
  });

  it('answers 403 to a user', async () => {
    const user = await newUser();
    const key = randomUUID();
    await add(user.id, key, { sum: 500 });
    expect((await rollback(user.id, key, { 'x-auth-token': user.token })).status).toBe(403);
    expect((await bonusOf(user)).bonus).toBe(50);
  });

  it('reverses once under concurrent rollbacks', async () => {
    const user = await newUser();
    const key = randomUUID();
    await add(user.id, randomUUID(), { sum: 1000 });
    await add(user.id, key, { sum: 500 });
    await Promise.all(Array.from({ length: 10 }, () => rollback(user.id, key)));
    expect((await bonusOf(user)).bonus).toBe(100);
    expect(
      await count('SELECT coalesce(sum(amount), 0)::int AS n FROM ledger_entries WHERE user_id = $1', [
        user.id,
      ]),
    ).toBe(100);
  });
});
