import { randomUUID } from 'node:crypto';
import {
  call,
  holdIdempotencyKey,
  startTestService,
  testRedisStore,
  useAuthority,
  userEvent,
  userWithAccount,
  useService,
  waitFor,
} from '@adboard/kit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { billingService } from '../src/app.js';

const authority = useAuthority();
// Tests here run hundreds of operations for one user: far above the default per-user limit.
const app = useService(billingService, { authority, env: { MONEY_LIMIT_PER_USER: '100000' } });
let advToken: string;
beforeAll(async () => {
  advToken = await app.serviceToken('app-adv');
});

const newUser = () => userWithAccount(app, authority, '/api/v1/account');
const count = async (sql: string, params: unknown[]) =>
  (await app.database!.db.query<{ n: number }>(sql, params)).rows[0]!.n;

function topUp(
  user: { id: number; token: string },
  key: string | undefined,
  body: unknown,
  headerName = 'x-idempotency-key',
) {
  return call(app.url, 'PUT', `/api/v1/account/top-up/${user.id}`, {
    body,
    headers: { 'x-auth-token': user.token, ...(key === undefined ? {} : { [headerName]: key }) },
  });
}
const pay = (
  userId: number,
  key: string,
  sum: unknown,
  headers: Record<string, string> = { 'x-service-token': advToken },
) =>
  call(app.url, 'PUT', `/api/v1/account/pay/${userId}`, {
    body: { sum },
    headers: { ...headers, 'x-idempotency-key': key },
  });
const rollback = (userId: number, key: string, headers: Record<string, string>) =>
  call(app.url, 'PUT', `/api/v1/account/rollback/${userId}`, {
    headers: { ...headers, 'x-idempotency-key': key },
  });
const account = async (user: { id: number; token: string }) =>
  (await call(app.url, 'GET', `/api/v1/account/${user.id}`, { headers: { 'x-auth-token': user.token } })).body
    .data;
const ledgerSum = (userId: number) =>
  count('SELECT coalesce(sum(amount), 0)::int AS n FROM ledger_entries WHERE user_id = $1', [userId]);

describe('accounts from user.event', () => {
  it('opens an account with balance 0 for a registered user', async () => {
    const user = await newUser();
    expect(await account(user)).toEqual({
      userId: user.id,
      balance: 0,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
    });
  });

  it('opens exactly one account from duplicated and replayed events', async () => {
    const user = await newUser();
    const duplicate = userEvent(user.id);
    await app.ports.bus!.publish([duplicate, duplicate, userEvent(user.id), userEvent(user.id)]);
    const witness = await newUser();
    await waitFor(
      async () =>
        (await count('SELECT count(*)::int AS n FROM accounts WHERE user_id = $1', [witness.id])) === 1,
    );
    expect(await count('SELECT count(*)::int AS n FROM accounts WHERE user_id = $1', [user.id])).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM dead_letter', [])).toBe(0);
  });

  it('dead-letters a create event without a valid id and ignores other actions', async () => {
    await app.ports.bus!.publish([userEvent('abc'), userEvent(424242, 'update')]);
    await waitFor(
      async () =>
        (await count("SELECT count(*)::int AS n FROM dead_letter WHERE payload->>'id' = $1", ['abc'])) === 1,
    );
    await newUser();
    expect(await count('SELECT count(*)::int AS n FROM accounts WHERE user_id = $1', [424242])).toBe(0);
  });
});

describe('GET /api/v1/account/{userId}', () => {
  it('answers 400 Счёт не найден when there is no account', async () => {
    const token = await authority.tokenFor({ id: 77 });
    const response = await call(app.url, 'GET', '/api/v1/account/77', { headers: { 'x-auth-token': token } });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, errors: [{ text: 'Счёт не найден' }] });
  });

  it('answers 401 without a token and 403 for another user', async () => {
    const user = await newUser();
    const other = await newUser();
    expect((await call(app.url, 'GET', `/api/v1/account/${user.id}`)).status).toBe(401);
    const denied = await call(app.url, 'GET', `/api/v1/account/${user.id}`, {
      headers: { 'x-auth-token': other.token },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ success: false, errors: ['Access denied'] });
  });
});

describe('GET /api/v1/account/uuid', () => {
  it('answers a fresh v4 UUID', async () => {
    const user = await newUser();
    const first = await call(app.url, 'GET', '/api/v1/account/uuid', {
      headers: { 'x-auth-token': user.token },
    });
    const second = await call(app.url, 'GET', '/api/v1/account/uuid', {
      headers: { 'x-auth-token': user.token },
    });
    expect(first.status).toBe(200);
    expect(first.body.data.uuid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(second.body.data.uuid).not.toBe(first.body.data.uuid);
    expect((await call(app.url, 'GET', '/api/v1/account/uuid')).status).toBe(401);
  });
});

describe('PUT /api/v1/account/top-up/{userId}', () => {
  it('credits the account and replays a repeat without a second credit', async () => {
    const user = await newUser();
    const key = randomUUID();
    const first = await topUp(user, key, { sum: 500 });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ userId: user.id, balance: 500 });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const repeat = await topUp(user, key, { sum: 500 });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect((await account(user)).balance).toBe(500);
  });

  it('follows the contract: top-up 500 → repeat → rollback → the same key applies again', async () => {
    const user = await newUser();
    const key = randomUUID();
    expect((await topUp(user, key, { sum: 500 })).body.data.balance).toBe(500);
    expect((await topUp(user, key, { sum: 500 })).body.data.balance).toBe(500);
    const undone = await rollback(user.id, key, { 'x-auth-token': user.token });
    expect(undone.status).toBe(200);
    expect(undone.body.data.balance).toBe(0);
    const again = await topUp(user, key, { sum: 500 });
    expect(again.body.data.balance).toBe(500);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await ledgerSum(user.id)).toBe(500);
  });

  it('accepts the key in Idempotency-Key too', async () => {
    const user = await newUser();
    const key = randomUUID();
    expect((await topUp(user, key, { sum: 5 }, 'idempotency-key')).status).toBe(200);
    expect((await topUp(user, key, { sum: 5 })).headers.get('idempotent-replayed')).toBe('true');
  });

  it('answers 422 for the same key with another body, and keeps the first operation', async () => {
    const user = await newUser();
    const key = randomUUID();
    await topUp(user, key, { sum: 100 });
    const reused = await topUp(user, key, { sum: 200 });
    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({
      success: false,
      errors: [
        { text: 'This idempotency key was already used for a different request.', field: 'idempotencyKey' },
      ],
    });
    expect((await account(user)).balance).toBe(100);
  });

  it('treats one key on two accounts as two keys', async () => {
    const a = await newUser();
    const b = await newUser();
    const key = randomUUID();
    expect((await topUp(a, key, { sum: 10 })).status).toBe(200);
    const onB = await topUp(b, key, { sum: 20 });
    expect(onB.status).toBe(200);
    expect(onB.headers.get('idempotent-replayed')).toBeNull();
  });

  it.each([
    ['no key', undefined, 'Заголовок X-Idempotency-Key не может быть пустым'],
    ['a blank key', '   ', 'Заголовок X-Idempotency-Key не может быть пустым'],
    [
      'a key of 256 characters',
      'k'.repeat(256),
      'The idempotency key must be 1 to 255 printable ASCII characters.',
    ],
    [
      'a key with a non-ASCII character',
      'clé',
      'The idempotency key must be 1 to 255 printable ASCII characters.',
    ],
  ])('refuses %s before reading the body', async (_name, key, text) => {
    const user = await newUser();
    const response = await topUp(user, key, { sum: -1 });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, errors: [{ text, field: 'idempotencyKey' }] });
  });

  it('accepts a key of 255 printable characters', async () => {
    const user = await newUser();
    expect((await topUp(user, `~${'k'.repeat(253)}!`, { sum: 1 })).status).toBe(200);
  });

  it.each([
    [{}, 'Поле не может быть пустым'],
    [{ sum: 0 }, 'This value should be positive.'],
    [{ sum: -5 }, 'This value should be positive.'],
    [{ sum: '5' }, 'This value should be of type int.'],
    [{ sum: 1.5 }, 'This value should be of type int.'],
    [{ sum: [5] }, 'This value should be of type int.'],
    [{ sum: 1_000_000_001 }, 'This value should be less than or equal to 1000000000.'],
  ])('validates %j', async (body, text) => {
    const user = await newUser();
    const response = await topUp(user, randomUUID(), body);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, errors: [{ text, field: 'sum' }] });
    expect((await account(user)).balance).toBe(0);
  });

  it('answers 400 Счёт для пользователя не найден without an account', async () => {
    const token = await authority.tokenFor({ id: 78 });
    const response = await topUp({ id: 78, token }, randomUUID(), { sum: 5 });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, errors: [{ text: 'Счёт для пользователя не найден' }] });
  });

  it("answers 403 on someone else's account", async () => {
    const user = await newUser();
    const other = await newUser();
    const response = await topUp({ id: user.id, token: other.token }, randomUUID(), { sum: 5 });
    expect(response.status).toBe(403);
  });

  it('answers 409 while the first request with the key is still running, then replays it', async () => {
    const user = await newUser();
    const key = randomUUID();
    const blocker = await app.database!.db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM accounts WHERE user_id = $1 FOR UPDATE', [user.id]);
      const first = topUp(user, key, { sum: 10 });
      await waitFor(
        async () =>
          (await count(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE accounts SET balance%'",
            [],
          )) === 1,
        { what: 'the first top-up to wait on the account' },
      );
      const second = await topUp(user, key, { sum: 10 });
      expect(second.status).toBe(409);
      expect(second.body).toEqual({
        success: false,
        errors: [
          { text: 'A request with this idempotency key is still in progress.', field: 'idempotencyKey' },
        ],
      });
      await blocker.query('COMMIT');
      expect((await first).status).toBe(200);
    } finally {
      blocker.release();
    }
    const replay = await topUp(user, key, { sum: 10 });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await account(user)).balance).toBe(10);
  });

  it('applies 50 parallel identical top-ups with one key exactly once; the rest are replays or 409', async () => {
    const user = await newUser();
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 50 }, () => topUp(user, key, { sum: 300 })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const fresh = responses.filter((r) => r.status === 200 && r.headers.get('idempotent-replayed') === null);
    expect(fresh).toHaveLength(1);
    for (const conflict of responses.filter((r) => r.status === 409)) {
      expect(conflict.body.errors).toEqual([
        { text: 'A request with this idempotency key is still in progress.', field: 'idempotencyKey' },
      ]);
    }
    expect(await count('SELECT count(*)::int AS n FROM ledger_entries WHERE user_id = $1', [user.id])).toBe(
      1,
    );
    expect((await account(user)).balance).toBe(300);
    console.log(
      `[billing] 50 identical top-ups: ${statuses.filter((s) => s === 200).length} × 200, ${statuses.filter((s) => s === 409).length} × 409`,
    );
  });
});

describe('PUT /api/v1/account/pay/{userId} (internal)', () => {
  it('debits for app-adv and replays a repeat', async () => {
    const user = await newUser();
    await topUp(user, randomUUID(), { sum: 1000 });
    const key = randomUUID();
    const paid = await pay(user.id, key, 300);
    expect(paid.status).toBe(200);
    expect(paid.body.data.balance).toBe(700);
    const repeat = await pay(user.id, key, 300);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect((await account(user)).balance).toBe(700);
  });

  it('refuses a payment without enough money and records nothing for the key', async () => {
    const user = await newUser();
    await topUp(user, randomUUID(), { sum: 100 });
    const key = randomUUID();
    const refused = await pay(user.id, key, 101);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ success: false, errors: [{ text: 'Недостаточно средств на счёте' }] });
    expect((await account(user)).balance).toBe(100);
    await topUp(user, randomUUID(), { sum: 1 });
    const retried = await pay(user.id, key, 101);
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.body.data.balance).toBe(0);
  });

  it('answers 403 to a user token and to services other than app-adv', async () => {
    const user = await newUser();
    await topUp(user, randomUUID(), { sum: 100 });
    const withUserToken = await pay(user.id, randomUUID(), 10, { 'x-auth-token': user.token });
    expect(withUserToken.status).toBe(403);
    expect(withUserToken.body).toEqual({ success: false, errors: ['Access denied'] });
    expect(
      (await pay(user.id, randomUUID(), 10, { 'x-service-token': await app.serviceToken('app-auth') }))
        .status,
    ).toBe(403);
    expect((await account(user)).balance).toBe(100);
  });
});

describe('PUT /api/v1/account/rollback/{userId}', () => {
  it('lets only a service reverse a payment', async () => {
    const user = await newUser();
    await topUp(user, randomUUID(), { sum: 100 });
    const key = randomUUID();
    await pay(user.id, key, 40);
    const byUser = await rollback(user.id, key, { 'x-auth-token': user.token });
    expect(byUser.status).toBe(403);
    expect((await account(user)).balance).toBe(60);
    const byService = await rollback(user.id, key, { 'x-service-token': advToken });
    expect(byService.status).toBe(200);
    expect(byService.body.data.balance).toBe(100);
  });

  it('answers 200 with the account unchanged when there is nothing to reverse, also the second time', async () => {
    const user = await newUser();
    const key = randomUUID();
    await topUp(user, key, { sum: 70 });
    expect((await rollback(user.id, key, { 'x-auth-token': user.token })).body.data.balance).toBe(0);
    const again = await rollback(user.id, key, { 'x-auth-token': user.token });
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ userId: user.id, balance: 0 });
    expect((await rollback(user.id, randomUUID(), { 'x-auth-token': user.token })).body.data.balance).toBe(0);
  });

  it('refuses to reverse a top-up that was already spent (never below 0)', async () => {
    const user = await newUser();
    const key = randomUUID();
    await topUp(user, key, { sum: 50 });
    await pay(user.id, randomUUID(), 30);
    const response = await rollback(user.id, key, { 'x-auth-token': user.token });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, errors: [{ text: 'Недостаточно средств на счёте' }] });
    expect((await account(user)).balance).toBe(20);
  });

  it('answers 409 while the operation made with the key is still running, and leaves it to commit', async () => {
    const user = await newUser();
    const key = randomUUID();
    const topUpInFlight = await holdIdempotencyKey(app.database!.db, `account:${user.id}`, key);
    try {
      const response = await rollback(user.id, key, { 'x-auth-token': user.token });
      expect(response.status).toBe(409);
      expect(response.body).toEqual({
        success: false,
        errors: [
          { text: 'A request with this idempotency key is still in progress.', field: 'idempotencyKey' },
        ],
      });
    } finally {
      await topUpInFlight.release();
    }
    expect((await topUp(user, key, { sum: 30 })).body.data.balance).toBe(30);
    expect((await rollback(user.id, key, { 'x-auth-token': user.token })).body.data.balance).toBe(0);
  });

  it('reverses once under concurrent rollbacks of one key', async () => {
    const user = await newUser();
    const key = randomUUID();
    await topUp(user, randomUUID(), { sum: 1000 });
    await pay(user.id, key, 400);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => rollback(user.id, key, { 'x-service-token': advToken })),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect((await account(user)).balance).toBe(1000);
    expect(await ledgerSum(user.id)).toBe(1000);
  });

  it("answers 401 without credentials and 403 on someone else's account", async () => {
    const user = await newUser();
    const other = await newUser();
    expect((await rollback(user.id, randomUUID(), {})).status).toBe(401);
    expect((await rollback(user.id, randomUUID(), { 'x-auth-token': other.token })).status).toBe(403);
    expect((await rollback(user.id, randomUUID(), { 'x-service-token': 'forged' })).status).toBe(403);
  });
});

describe('GET /api/v1/account/{userId}/transactions', () => {
  it('lists the ledger newest first, paginated', async () => {
    const user = await newUser();
    const key = randomUUID();
    await topUp(user, key, { sum: 10 });
    await topUp(user, randomUUID(), { sum: 20 });
    await pay(user.id, randomUUID(), 5);
    await rollback(user.id, key, { 'x-auth-token': user.token });
    const headers = { 'x-auth-token': user.token };
    const all = await call(app.url, 'GET', `/api/v1/account/${user.id}/transactions`, { headers });
    expect(all.status).toBe(200);
    expect(all.body.data.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual([
      ['top_up_reversal', -10],
      ['payment', -5],
      ['top_up', 20],
      ['top_up', 10],
    ]);
    expect(all.body.data[0].reverses).toBe(all.body.data[3].id);
    const page2 = await call(app.url, 'GET', `/api/v1/account/${user.id}/transactions?page=2&limit=3`, {
      headers,
    });
    expect(page2.body.data.map((e: { amount: number }) => e.amount)).toEqual([10]);
    const empty = await call(app.url, 'GET', `/api/v1/account/${user.id}/transactions?page=9`, { headers });
    expect(empty.body).toEqual({ success: true, data: [] });
    const bad = await call(app.url, 'GET', `/api/v1/account/${user.id}/transactions?limit=500&page=x`, {
      headers,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { text: 'This value should be of type int.', field: 'page' },
      { text: 'This value should be less than or equal to 100.', field: 'limit' },
    ]);
  });
});

describe('books under concurrency', () => {
  it('keeps balance = Σ top-ups − Σ accepted payments = Σ ledger through 200 parallel operations', async () => {
    const user = await newUser();
    const operations = Array.from({ length: 200 }, (_, i) => ({
      kind: i % 2 === 0 ? 'top-up' : 'pay',
      sum: 1 + ((i * 37) % 90),
    }));
    const responses = await Promise.all(
      operations.map((op) =>
        op.kind === 'top-up'
          ? topUp(user, randomUUID(), { sum: op.sum })
          : pay(user.id, randomUUID(), op.sum),
      ),
    );
    let expected = 0;
    let refused = 0;
    responses.forEach((response, i) => {
      const op = operations[i]!;
      if (response.status === 200) {
        expected += op.kind === 'top-up' ? op.sum : -op.sum;
        expect(response.body.data.balance).toBeGreaterThanOrEqual(0);
      } else {
        expect(op.kind).toBe('pay');
        expect(response.status).toBe(400);
        expect(response.body.errors).toEqual([{ text: 'Недостаточно средств на счёте' }]);
        refused += 1;
      }
    });
    const balance = (await account(user)).balance;
    expect(balance).toBe(expected);
    expect(await ledgerSum(user.id)).toBe(balance);
    expect(
      await count(
        'SELECT count(*)::int AS n FROM accounts a WHERE balance <> (SELECT coalesce(sum(amount), 0) FROM ledger_entries e WHERE e.user_id = a.user_id)',
        [],
      ),
    ).toBe(0);
    console.log(
      `[billing] 200 parallel operations: final balance ${balance}, ${refused} payments refused for lack of money`,
    );
  });
});

describe('rate limit', () => {
  it('limits the top-ups and the rollbacks one user starts (429 with Retry-After), never a service', async () => {
    const limited = await startTestService(billingService, {
      env: { AUTH_JWKS_URL: authority.jwksUrl, MONEY_LIMIT_PER_USER: '3' },
    });
    try {
      const [alice, bob] = [
        await userWithAccount(limited, authority, '/api/v1/account'),
        await userWithAccount(limited, authority, '/api/v1/account'),
      ];
      const put = (path: string, headers: Record<string, string>, body?: unknown) =>
        call(limited.url, 'PUT', path, { body, headers: { ...headers, 'x-idempotency-key': randomUUID() } });
      const asAlice = { 'x-auth-token': alice.token };
      for (let i = 0; i < 3; i += 1) {
        expect((await put(`/api/v1/account/top-up/${alice.id}`, asAlice, { sum: 10 })).status).toBe(200);
      }
      const refused = await put(`/api/v1/account/top-up/${alice.id}`, asAlice, { sum: 10 });
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({
        success: false,
        errors: [{ text: 'Too many requests, try again later' }],
      });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(
        (await put(`/api/v1/account/top-up/${bob.id}`, { 'x-auth-token': bob.token }, { sum: 10 })).status,
      ).toBe(200);
      const asAdv = { 'x-service-token': await limited.serviceToken('app-adv') };
      for (let i = 0; i < 4; i += 1) {
        expect((await put(`/api/v1/account/pay/${alice.id}`, asAdv, { sum: 1 })).status).toBe(200);
        expect((await put(`/api/v1/account/rollback/${alice.id}`, asAdv)).status).toBe(200);
      }
    } finally {
      await limited.stop();
    }
  });

  it('counts the top-ups of two replicas together when they share Redis', async () => {
    const kv = testRedisStore('top-ups counted across replicas');
    if (!kv) return;
    const env = { AUTH_JWKS_URL: authority.jwksUrl, MONEY_LIMIT_PER_USER: '2' };
    const first = await startTestService(billingService, { env, ports: { kv } });
    const second = await startTestService(billingService, {
      env,
      database: false,
      ports: { db: first.database!.db, kv, bus: first.ports.bus! },
    });
    try {
      const user = await userWithAccount(first, authority, '/api/v1/account');
      const topUp = (replica: { url: string }) =>
        call(replica.url, 'PUT', `/api/v1/account/top-up/${user.id}`, {
          body: { sum: 10 },
          headers: { 'x-auth-token': user.token, 'x-idempotency-key': randomUUID() },
        }).then((answer) => answer.status);
      expect([await topUp(first), await topUp(second), await topUp(first), await topUp(second)]).toEqual([
        200, 200, 429, 429,
      ]);
    } finally {
      await second.stop();
      await first.stop();
      await kv.close();
    }
  });
});
