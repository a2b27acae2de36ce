import { generateSigningKey, InMemoryKeyValueStore, TokenVerifier } from '@adboard/kit';
import { call, FaultProxy, freePort, startTestService, useService } from '@adboard/kit/testing';
import { describe, expect, it } from 'vitest';
import { userService } from '@adboard/app-user';
import { authService } from '../src/app.js';

let now = Date.now();
const clock = { now: () => now };
let seq = 0;

// app-user checks tokens against app-auth's JWKS, so it learns app-auth's port before either starts.
let authPort: number;
const user = useService(userService, async () => {
  authPort = await freePort();
  return { env: { AUTH_JWKS_URL: `http://127.0.0.1:${authPort}/.well-known/jwks.json` } };
});
const auth = useService(authService, () => ({
  port: authPort,
  database: false,
  ports: { kv: new InMemoryKeyValueStore(clock) },
  env: {
    AUTH_PRIVATE_KEY: generateSigningKey(),
    USER_SERVICE_URL: user.url,
    LOGIN_LIMIT_PER_USERNAME: '5',
    LOGIN_LIMIT_PER_ADDRESS: '1000',
  },
}));

async function newUser(name?: string) {
  seq += 1;
  const username = name ?? `auth_${Date.now().toString(36)}_${seq}`;
  const response = await call(user.url, 'POST', '/api/v1/user/create', {
    body: {
      username,
      password: 'p@ssword',
      firstName: 'A',
      lastName: 'B',
      email: `${username}_${seq}@mail.ru`,
      phone: 1,
    },
  });
  expect(response.status).toBe(200);
  return response.body.data as { id: number; username: string; email: string };
}

function sessionCookie(headers: Headers): string {
  const cookie = headers.getSetCookie().find((c) => c.startsWith('sid='));
  expect(cookie).toBeDefined();
  return cookie!.split(';')[0]!;
}

async function logIn(username: string, password = 'p@ssword', cookie?: string) {
  return call(auth.url, 'POST', '/api/v1/login', {
    body: { username, password },
    headers: cookie ? { cookie } : {},
  });
}

const authenticate = (cookie?: string) =>
  call(auth.url, 'GET', '/api/v1/auth', { headers: cookie ? { cookie } : {} });

describe('POST /api/v1/login', () => {
  it('starts a session in an HttpOnly, SameSite=Lax cookie', async () => {
    const { username } = await newUser();
    const response = await logIn(username);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true });
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('sid='))!;
    expect(setCookie).toMatch(/^sid=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('gives the same answer for an unknown username and a wrong password', async () => {
    const { username } = await newUser();
    const wrongPassword = await logIn(username, 'wrong');
    const unknownUser = await logIn(`${username}_nobody`);
    for (const response of [wrongPassword, unknownUser]) {
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ success: false, errors: [{ text: 'Username or password incorrect' }] });
      expect(response.headers.getSetCookie()).toEqual([]);
    }
  });

  it('validates the body', async () => {
    const response = await call(auth.url, 'POST', '/api/v1/login', { body: { username: ' ' } });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { text: 'Поле не может быть пустым', field: 'username' },
      { text: 'Поле не может быть пустым', field: 'password' },
    ]);
  });

  it('renews the session id at login and ends the old session', async () => {
    const { username } = await newUser();
    const first = sessionCookie((await logIn(username)).headers);
    const second = sessionCookie((await logIn(username, 'p@ssword', first)).headers);
    expect(second).not.toBe(first);
    expect((await authenticate(first)).status).toBe(401);
    expect((await authenticate(second)).status).toBe(200);
  });

  it('limits attempts per username with 429 and Retry-After', async () => {
    const { username } = await newUser();
    for (let i = 0; i < 5; i += 1) expect((await logIn(username, 'wrong')).status).toBe(400);
    const limited = await logIn(username);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      success: false,
      errors: [{ text: 'Too many login attempts, try again later' }],
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = await newUser();
    expect((await logIn(other.username)).status).toBe(200);
  });

  it('checks at most the limit of 100 parallel wrong passwords with app-user, and answers the rest 429', async () => {
    const { username } = await newUser();
    const toUser = await FaultProxy.start(user.url); // counts the credential checks app-auth asks for
    const isolated = await startTestService(authService, {
      database: false,
      ports: { kv: new InMemoryKeyValueStore() },
      env: {
        AUTH_PRIVATE_KEY: generateSigningKey(),
        USER_SERVICE_URL: toUser.url,
        LOGIN_LIMIT_PER_USERNAME: '10',
        LOGIN_LIMIT_PER_ADDRESS: '1000',
      },
    });
    try {
      const guesses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          call(isolated.url, 'POST', '/api/v1/login', { body: { username, password: `wrong-${i}` } }),
        ),
      );
      const checks = toUser.requestsTo('/api/v1/internal/credentials/check');
      const statuses = guesses.map((guess) => guess.status);
      expect(checks).toBeLessThanOrEqual(10);
      expect(statuses.filter((status) => status === 400)).toHaveLength(checks);
      expect(statuses.filter((status) => status === 429)).toHaveLength(100 - checks);
    } finally {
      await isolated.stop();
      await toUser.stop();
    }
  });

  it('locks a username by its exact spelling, as usernames are case-sensitive', async () => {
    const { username } = await newUser();
    const upper = await newUser(username.toUpperCase());
    for (let i = 0; i < 5; i += 1) expect((await logIn(username, 'wrong')).status).toBe(400);
    expect((await logIn(username)).status).toBe(429);
    expect((await logIn(upper.username)).status).toBe(200);
  });

  it('does not count successful logins towards the lock', async () => {
    const { username } = await newUser();
    for (let i = 0; i < 8; i += 1) expect((await logIn(username)).status).toBe(200);
    for (let i = 0; i < 4; i += 1) expect((await logIn(username, 'wrong')).status).toBe(400);
    expect((await logIn(username)).status).toBe(200);
  });

  it('refuses a NUL character in the username with a 400, not a 503', async () => {
    const response = await call(auth.url, 'POST', '/api/v1/login', {
      body: { username: 'iv\u0000an', password: 'p@ssword' },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { text: 'This value should not contain NUL characters or unpaired surrogates.', field: 'username' },
    ]);
  });

  it('answers 503, not 500, when app-user cannot be reached', async () => {
    const port = await freePort();
    const isolated = await startTestService(authService, {
      database: false,
      ports: { kv: new InMemoryKeyValueStore() },
      env: { AUTH_PRIVATE_KEY: generateSigningKey(), USER_SERVICE_URL: `http://127.0.0.1:${port}` },
    });
    try {
      const response = await call(isolated.url, 'POST', '/api/v1/login', {
        body: { username: 'a', password: 'b' },
      });
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        success: false,
        errors: [{ text: 'Service temporarily unavailable' }],
      });
    } finally {
      await isolated.stop();
    }
  });
});

describe('GET /api/v1/auth', () => {
  it('answers 401 Unauthorized without a session', async () => {
    for (const cookie of [undefined, 'sid=', 'sid=forged-session-id', `sid=${'A'.repeat(43)}`]) {
      const response = await authenticate(cookie);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ success: false, errors: ['Unauthorized'] });
      expect(response.headers.get('x-auth-token')).toBeNull();
    }
  });

  it('answers a live session with a signed token carrying the contract claims', async () => {
    const owner = await newUser();
    const cookie = sessionCookie((await logIn(owner.username)).headers);
    const response = await authenticate(cookie);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true });
    const token = response.headers.get('x-auth-token')!;
    const jwks = (await call(auth.url, 'GET', '/.well-known/jwks.json')).body;
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    await expect(TokenVerifier.local(jwks).verify(token)).resolves.toEqual({
      id: owner.id,
      username: owner.username,
      email: owner.email,
    });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ sub: String(owner.id), iss: 'app-auth', aud: 'adboard' });
    expect(claims.exp - claims.iat).toBe(300);
  });

  it('issues a token app-user accepts for the owner’s profile', async () => {
    const owner = await newUser();
    const cookie = sessionCookie((await logIn(owner.username)).headers);
    const token = (await authenticate(cookie)).headers.get('x-auth-token')!;
    const profile = await call(user.url, 'GET', `/api/v1/user/${owner.id}`, {
      headers: { 'x-auth-token': token },
    });
    expect(profile.status).toBe(200);
    expect(profile.body.data).toMatchObject(owner);
  });

  it('keeps a session alive while it is used and ends it after 600 s idle', async () => {
    const { username } = await newUser();
    const cookie = sessionCookie((await logIn(username)).headers);
    now += 590_000;
    expect((await authenticate(cookie)).status).toBe(200);
    now += 590_000;
    expect((await authenticate(cookie)).status).toBe(200);
    now += 601_000;
    expect((await authenticate(cookie)).status).toBe(401);
  });
});

describe('POST /api/v1/logout', () => {
  it('ends the session and clears the cookie', async () => {
    const { username } = await newUser();
    const cookie = sessionCookie((await logIn(username)).headers);
    const response = await call(auth.url, 'POST', '/api/v1/logout', { headers: { cookie } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true });
    expect(response.headers.getSetCookie()[0]).toMatch(
      /^sid=; Max-Age=0|^sid=; Path=\/; Expires=Thu, 01 Jan 1970/,
    );
    expect((await authenticate(cookie)).status).toBe(401);
  });

  it('answers 200 without a session', async () => {
    const response = await call(auth.url, 'POST', '/api/v1/logout');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true });
  });
});

describe('the per-address login limit', () => {
  async function authWith(env: Record<string, string>) {
    return startTestService(authService, {
      database: false,
      ports: { kv: new InMemoryKeyValueStore() },
      env: {
        AUTH_PRIVATE_KEY: generateSigningKey(),
        USER_SERVICE_URL: user.url,
        LOGIN_LIMIT_PER_ADDRESS: '3',
        ...env,
      },
    });
  }
  const attempt = (base: string, i: number) =>
    call(base, 'POST', '/api/v1/login', {
      body: { username: `nobody_${i}`, password: 'p@ssword' },
      headers: { 'x-forwarded-for': `198.51.100.${i}` },
    });

  it('cannot be dodged by a direct caller rotating X-Forwarded-For (no proxy is trusted by default)', async () => {
    const isolated = await authWith({});
    try {
      const statuses = [];
      for (let i = 1; i <= 5; i += 1) statuses.push((await attempt(isolated.url, i)).status);
      expect(statuses).toEqual([400, 400, 400, 429, 429]);
      const limited = await attempt(isolated.url, 6);
      expect(limited.body).toEqual({
        success: false,
        errors: [{ text: 'Too many login attempts, try again later' }],
      });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await isolated.stop();
    }
  });

  it('counts each client apart behind a configured proxy', async () => {
    const behindProxy = await authWith({ TRUSTED_PROXIES: '127.0.0.1' });
    try {
      for (let i = 1; i <= 5; i += 1) expect((await attempt(behindProxy.url, i)).status).toBe(400);
    } finally {
      await behindProxy.stop();
    }
  });
});

describe('login metrics', () => {
  it('are 0 when idle, then count logins by outcome and the per-address 429s', async () => {
    const isolated = await startTestService(authService, {
      database: false,
      ports: { kv: new InMemoryKeyValueStore() },
      env: {
        AUTH_PRIVATE_KEY: generateSigningKey(),
        USER_SERVICE_URL: user.url,
        LOGIN_LIMIT_PER_USERNAME: '2',
        LOGIN_LIMIT_PER_ADDRESS: '5',
      },
    });
    const sample = async (name: string, labels: string) => {
      const text = (await call(isolated.url, 'GET', '/metrics')).body as string;
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels},service="app-auth"} `));
      return line === undefined ? undefined : Number(line.split(' ')[1]);
    };
    const login = (username: string, password = 'p@ssword') =>
      call(isolated.url, 'POST', '/api/v1/login', { body: { username, password } });
    const outcome = (name: string) => sample('logins_total', `outcome="${name}"`);
    const limited = () => sample('http_rate_limited_requests_total', 'route="/api/v1/login"');
    try {
      for (const name of ['succeeded', 'refused', 'locked', 'failed']) expect(await outcome(name)).toBe(0);
      expect(await limited()).toBe(0);

      const { username } = await newUser();
      expect((await login(username)).status).toBe(200);
      expect((await login(username, 'wrong')).status).toBe(400);
      expect((await login(username, 'wrong')).status).toBe(400);
      expect((await login(username)).status).toBe(429); // the username is locked
      expect(await limited()).toBe(0);
      expect((await login(username)).status).toBe(429); // still locked: the address's 5th attempt
      expect((await login(username)).status).toBe(429); // the address made its 5 attempts

      expect(await outcome('succeeded')).toBe(1);
      expect(await outcome('refused')).toBe(2);
      expect(await outcome('locked')).toBe(2);
      expect(await outcome('failed')).toBe(0);
      expect(await limited()).toBe(1);
    } finally {
      await isolated.stop();
    }
  });
});
