import type { EventMessage } from '@adboard/kit';
import {
  call,
  startTestService,
  testRedisStore,
  useAuthority,
  useService,
  waitFor,
} from '@adboard/kit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { userService } from '../src/app.js';

const authority = useAuthority();
const app = useService(userService, { authority, env: { REGISTRATION_LIMIT_PER_ADDRESS: '100000' } });
let published: EventMessage[];
let seq = 0;

beforeAll(async () => {
  published = [];
  await app.ports.bus!.subscribe({
    group: 'test',
    topic: 'user.event',
    handler: async (m) => void published.push(m),
  });
});

function registration(overrides: Record<string, unknown> = {}) {
  seq += 1;
  const tag = `${Date.now().toString(36)}${seq}`;
  return {
    username: `user_${tag}`,
    password: 'secret-pass',
    firstName: 'Ivan',
    lastName: 'Petrov',
    email: `user_${tag}@mail.ru`,
    phone: 79001234567,
    ...overrides,
  };
}

const register = (body: unknown) => call(app.url, 'POST', '/api/v1/user/create', { body });

async function registered(overrides: Record<string, unknown> = {}) {
  const response = await register(registration(overrides));
  expect(response.status).toBe(200);
  const user = response.body.data;
  return {
    user,
    token: await authority.tokenFor({ id: user.id, username: user.username, email: user.email }),
  };
}

const empty = 'Поле не может быть пустым';

describe('POST /api/v1/user/create', () => {
  it('registers a user and answers without the password', async () => {
    const body = registration();
    const response = await register(body);
    expect(response.status).toBe(200);
    const { password: _, ...expected } = body;
    expect(response.body).toEqual({ success: true, data: { id: expect.any(Number), ...expected } });
  });

  it('publishes user.event through the outbox with the new id', async () => {
    const { user } = await registered();
    const event = await waitFor(() => published.find((m) => m.payload.id === user.id), {
      what: 'user.event',
    });
    expect(event).toMatchObject({
      topic: 'user.event',
      type: 'user.created',
      source: 'app-user',
      key: String(user.id),
    });
    expect(event.payload).toMatchObject({
      action: 'create',
      id: user.id,
      username: user.username,
      email: user.email,
    });
    expect(event.payload).not.toHaveProperty('password');
  });

  it('reports every missing field, in field order', async () => {
    const response = await register({});
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      success: false,
      errors: ['username', 'password', 'firstName', 'lastName', 'email', 'phone'].map((field) => ({
        text: empty,
        field,
      })),
    });
  });

  it.each([
    ['a blank username', { username: '   ' }, [{ text: empty, field: 'username' }]],
    [
      'a bad e-mail',
      { email: 'a@localhost' },
      [{ text: 'Поле должно быть корректным email', field: 'email' }],
    ],
    [
      'a phone given as a string',
      { phone: '79001234567' },
      [{ text: 'This value should be of type int.', field: 'phone' }],
    ],
    ['a fractional phone', { phone: 7.5 }, [{ text: 'This value should be of type int.', field: 'phone' }]],
    ['a negative phone', { phone: -7 }, [{ text: 'This value should be positive.', field: 'phone' }]],
    [
      'a numeric first name',
      { firstName: 5 },
      [{ text: 'This value should be of type string.', field: 'firstName' }],
    ],
    [
      'an overlong last name',
      { lastName: 'x'.repeat(256) },
      [{ text: 'This value is too long. It should have 255 characters or less.', field: 'lastName' }],
    ],
  ])('rejects %s', async (_name, overrides, errors) => {
    const response = await register(registration(overrides));
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, errors });
  });

  it('accepts the contract example e-mail email-1@mail.ru1 and "0" as a name', async () => {
    const response = await register(registration({ email: `email-${seq}@mail.ru1`, firstName: '0' }));
    expect(response.status).toBe(200);
  });

  it('refuses a taken username, before looking at the e-mail', async () => {
    const { user } = await registered();
    const sameBoth = await register(registration({ username: user.username, email: user.email }));
    expect(sameBoth.status).toBe(400);
    expect(sameBoth.body).toEqual({
      success: false,
      errors: [{ text: 'Пользователь с таким логином уже существует' }],
    });
  });

  it('refuses a taken e-mail, whatever its letter case', async () => {
    const { user } = await registered();
    const response = await register(registration({ email: user.email.toUpperCase() }));
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      success: false,
      errors: [{ text: 'Пользователь с таким email уже существует' }],
    });
  });

  it('registers exactly one user from concurrent identical registrations; the others get a 400', async () => {
    const body = registration();
    const responses = await Promise.all(Array.from({ length: 12 }, () => register(body)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(11).fill(400)]);
    for (const response of responses.filter((r) => r.status === 400)) {
      expect(response.body.errors).toEqual([{ text: 'Пользователь с таким логином уже существует' }]);
    }
    const rows = await app.database!.db.query('SELECT id FROM users WHERE username = $1', [body.username]);
    expect(rows.rowCount).toBe(1);
    const id = (rows.rows[0] as { id: number }).id;
    await waitFor(() => published.some((m) => m.payload.id === id), { what: 'the winner’s event' });
    expect(published.filter((m) => m.payload.username === body.username)).toHaveLength(1);
  });

  it('gives a 400 to concurrent registrations sharing only an e-mail', async () => {
    const email = registration().email;
    const responses = await Promise.all(Array.from({ length: 6 }, () => register(registration({ email }))));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
    expect(
      responses
        .filter((r) => r.status === 400)
        .every((r) => r.body.errors[0].text === 'Пользователь с таким email уже существует'),
    ).toBe(true);
  });
});

describe('text that cannot be stored', () => {
  const nul = 'Iv\u0000an';
  const textMessage = 'This value should not contain NUL characters or unpaired surrogates.';

  it.each(['username', 'password', 'firstName', 'lastName'])(
    'refuses a NUL character in %s at registration with a 400 for that field',
    async (field) => {
      const response = await register(registration({ [field]: `${field}-${nul}-long-enough` }));
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ success: false, errors: [{ text: textMessage, field }] });
    },
  );

  it('refuses an unpaired surrogate instead of storing U+FFFD in its place', async () => {
    const response = await register(registration({ firstName: 'Iv\ud800an' }));
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ text: textMessage, field: 'firstName' }]);
  });

  it('stores characters outside the BMP exactly as sent', async () => {
    const { user, token } = await registered({ firstName: 'Ivan 😀 𝔘' });
    expect(user.firstName).toBe('Ivan 😀 𝔘');
    const read = await call(app.url, 'GET', `/api/v1/user/${user.id}`, {
      headers: { 'x-auth-token': token },
    });
    expect(read.body.data.firstName).toBe('Ivan 😀 𝔘');
  });

  it('refuses a NUL character in a profile change and in the credential check', async () => {
    const { user, token } = await registered();
    const changed = await call(app.url, 'PUT', `/api/v1/user/${user.id}`, {
      body: { lastName: nul },
      headers: { 'x-auth-token': token },
    });
    expect(changed.status).toBe(400);
    expect(changed.body.errors).toEqual([{ text: textMessage, field: 'lastName' }]);
    const check = await call(app.url, 'POST', '/api/v1/internal/credentials/check', {
      body: { username: nul, password: nul },
      headers: { 'x-service-token': await app.serviceToken('app-auth') },
    });
    expect(check.status).toBe(400);
    expect(check.body.errors).toEqual([
      { text: textMessage, field: 'username' },
      { text: textMessage, field: 'password' },
    ]);
  });
});

describe('passwords', () => {
  it('refuses a password shorter than 8 characters', async () => {
    const response = await register(registration({ password: 'secret' }));
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      success: false,
      errors: [{ text: 'This value is too short. It should have 8 characters or more.', field: 'password' }],
    });
  });

  it('accepts a password of exactly 8 characters, such as "password"', async () => {
    expect((await register(registration({ password: 'password' }))).status).toBe(200);
  });
});

describe('GET /api/v1/user/{userId}', () => {
  it('shows the user their profile', async () => {
    const { user, token } = await registered();
    const response = await call(app.url, 'GET', `/api/v1/user/${user.id}`, {
      headers: { 'x-auth-token': token },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, data: user });
  });

  it('answers 401 without a token and 403 for another user', async () => {
    const { user } = await registered();
    const other = await registered();
    expect((await call(app.url, 'GET', `/api/v1/user/${user.id}`)).body).toEqual({
      success: false,
      errors: ['Unauthorized'],
    });
    const denied = await call(app.url, 'GET', `/api/v1/user/${user.id}`, {
      headers: { 'x-auth-token': other.token },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ success: false, errors: ['Access denied'] });
  });

  it('answers 404 for a {userId} that is not a positive integer', async () => {
    const { token } = await registered();
    for (const id of ['abc', '0', '-5', '1.0']) {
      expect(
        (await call(app.url, 'GET', `/api/v1/user/${id}`, { headers: { 'x-auth-token': token } })).status,
      ).toBe(404);
    }
  });

  it('answers 400 Пользователь не найден for a valid token of a user that does not exist', async () => {
    const token = await authority.tokenFor({ id: 999_999 });
    const response = await call(app.url, 'GET', '/api/v1/user/999999', {
      headers: { 'x-auth-token': token },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, errors: [{ text: 'Пользователь не найден' }] });
  });
});

describe('PUT /api/v1/user/{userId}', () => {
  const put = (id: number, token: string, body: unknown) =>
    call(app.url, 'PUT', `/api/v1/user/${id}`, { body, headers: { 'x-auth-token': token } });

  it('changes only the fields given', async () => {
    const { user, token } = await registered();
    const response = await put(user.id, token, {
      firstName: 'Пётр',
      phone: 79990000000,
      username: 'ignored',
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ ...user, firstName: 'Пётр', phone: 79990000000 });
    const again = await put(user.id, token, {});
    expect(again.body.data).toEqual({ ...user, firstName: 'Пётр', phone: 79990000000 });
  });

  it('refuses an e-mail another user has, but accepts the user’s own', async () => {
    const { user, token } = await registered();
    const other = await registered();
    const taken = await put(user.id, token, { email: other.user.email });
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual({
      success: false,
      errors: [{ text: 'Пользователь с таким email уже существует' }],
    });
    expect((await put(user.id, token, { email: user.email.toUpperCase() })).status).toBe(200);
  });

  it('validates the fields given', async () => {
    const { user, token } = await registered();
    const response = await put(user.id, token, { firstName: '', email: 'bad', phone: 'x' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { text: empty, field: 'firstName' },
      { text: 'Поле должно быть корректным email', field: 'email' },
      { text: 'This value should be of type int.', field: 'phone' },
    ]);
  });

  it.each([['null'], ['[]'], ['[{"firstName":"Пётр"}]'], ['42'], ['"Пётр"'], ['true']])(
    'refuses a body that is not an object, %s, and changes nothing',
    async (raw) => {
      const { user, token } = await registered();
      const response = await call(app.url, 'PUT', `/api/v1/user/${user.id}`, {
        raw,
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        success: false,
        errors: [{ text: 'This value should be of type object.', field: 'body' }],
      });
      const read = await call(app.url, 'GET', `/api/v1/user/${user.id}`, {
        headers: { 'x-auth-token': token },
      });
      expect(read.body.data).toEqual(user);
    },
  );

  it('treats a request without a body as no change', async () => {
    const { user, token } = await registered();
    const response = await call(app.url, 'PUT', `/api/v1/user/${user.id}`, {
      headers: { 'x-auth-token': token },
    });
    expect(response.body).toEqual({ success: true, data: user });
  });

  it('answers 401 and 403 before reading the body', async () => {
    const { user } = await registered();
    const other = await registered();
    expect((await call(app.url, 'PUT', `/api/v1/user/${user.id}`, { raw: '{bad json' })).status).toBe(401);
    const denied = await call(app.url, 'PUT', `/api/v1/user/${user.id}`, {
      raw: '{bad json',
      headers: { 'x-auth-token': other.token },
    });
    expect(denied.status).toBe(403);
  });
});

describe('POST /api/v1/internal/credentials/check (internal)', () => {
  const check = async (body: unknown, headers: Record<string, string>) =>
    call(app.url, 'POST', '/api/v1/internal/credentials/check', { body, headers });

  it('names the owner of a correct username and password for app-auth', async () => {
    const { user } = await registered();
    const response = await check(
      { username: user.username, password: 'secret-pass' },
      { 'x-service-token': await app.serviceToken('app-auth') },
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      data: { id: user.id, username: user.username, email: user.email },
    });
  });

  it('gives one answer for a wrong password and an unknown username', async () => {
    const { user } = await registered();
    const headers = { 'x-service-token': await app.serviceToken('app-auth') };
    const wrong = await check({ username: user.username, password: 'nope' }, headers);
    const unknown = await check({ username: 'nobody-at-all', password: 'secret-pass' }, headers);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ success: false, errors: [{ text: 'Username or password incorrect' }] });
    expect(unknown.body).toEqual(wrong.body);
  });

  it('answers 403 without a service credential, even with a user token', async () => {
    const { user, token } = await registered();
    const response = await check(
      { username: user.username, password: 'secret-pass' },
      { 'x-auth-token': token },
    );
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ success: false, errors: ['Access denied'] });
  });

  it('answers 403 to a service other than app-auth', async () => {
    const { user } = await registered();
    const response = await check(
      { username: user.username, password: 'secret-pass' },
      { 'x-service-token': await app.serviceToken('app-adv') },
    );
    expect(response.status).toBe(403);
  });
});

describe('rate limit', () => {
  it('limits registrations per client address with 429 and Retry-After', async () => {
    const limited = await startTestService(userService, {
      env: { AUTH_JWKS_URL: authority.jwksUrl, REGISTRATION_LIMIT_PER_ADDRESS: '2' },
    });
    try {
      const create = (body: unknown) => call(limited.url, 'POST', '/api/v1/user/create', { body });
      expect((await create(registration())).status).toBe(200);
      expect((await create({})).status).toBe(400);
      const refused = await create(registration());
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({
        success: false,
        errors: [{ text: 'Too many requests, try again later' }],
      });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.stop();
    }
  });

  it('counts the registrations of two replicas together when they share Redis', async () => {
    const kv = testRedisStore('registrations counted across replicas');
    if (!kv) return;
    const env = { AUTH_JWKS_URL: authority.jwksUrl, REGISTRATION_LIMIT_PER_ADDRESS: '2' };
    const first = await startTestService(userService, { env, ports: { kv } });
    const second = await startTestService(userService, {
      env,
      database: false,
      ports: { db: first.database!.db, kv },
    });
    try {
      const create = (replica: { url: string }) =>
        call(replica.url, 'POST', '/api/v1/user/create', { body: registration() }).then((r) => r.status);
      expect([await create(first), await create(second), await create(first), await create(second)]).toEqual([
        200, 200, 429, 429,
      ]);
    } finally {
      await second.stop();
      await first.stop();
      await kv.close();
    }
  });
});
