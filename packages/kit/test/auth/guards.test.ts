import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPKCS8, SignJWT } from 'jose';
import { createGuards } from '../../src/auth/guards.js';
import { generateSigningKey, keyIdOf, publicKeyOf } from '../../src/auth/keys.js';
import { ServiceCredentials } from '../../src/auth/service-credentials.js';
import { TokenIssuer, TokenVerifier } from '../../src/auth/tokens.js';
import { UserIdParams } from '../../src/http/fields.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createMetricsRegistry } from '../../src/metrics.js';
import { testSigningKey, testServiceToken } from '../../src/testing/service.js';
import { useAuthority } from '../../src/testing/use-service.js';

const authority = useAuthority();
let app: HttpServer;

beforeAll(async () => {
  const guards = createGuards(
    TokenVerifier.remote(authority.jwksUrl),
    new ServiceCredentials('app-billing', {
      callerKeys: [{ service: 'app-adv', publicKey: publicKeyOf(testSigningKey('app-adv')) }],
    }),
  );
  app = await createHttpServer({
    service: 'app-billing',
    logger: createLogger('app-billing', 'silent'),
    metrics: createMetricsRegistry('app-billing'),
    readiness: [],
  });
  app.get('/me', { onRequest: guards.user }, async (request) => ({ success: true, data: request.user }));
  app.get('/account/:userId', { onRequest: guards.self, schema: { params: UserIdParams } }, async () => ({
    success: true,
  }));
  app.put('/internal', { onRequest: guards.service() }, async (request) => ({
    success: true,
    data: request.caller,
  }));
  app.put('/from-auth', { onRequest: guards.service('app-auth') }, async () => ({ success: true }));
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers });

describe('user tokens', () => {
  it('accepts a valid token and exposes its claims', async () => {
    const token = await authority.tokenFor({ id: 7, username: 'ivan', email: 'ivan@mail.ru' });
    const response = await get('/me', { 'x-auth-token': token });
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toEqual({ id: 7, username: 'ivan', email: 'ivan@mail.ru' });
  });

  it('puts the contract claims in the token', async () => {
    const token = await authority.tokenFor({ id: 7 });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ id: 7, sub: '7', iss: 'app-auth', aud: 'adboard' });
    expect(claims.exp - claims.iat).toBe(300);
  });

  it.each([
    ['no token', {}],
    ['an empty token', { 'x-auth-token': '' }],
    ['garbage', { 'x-auth-token': 'not-a-jwt' }],
  ])('answers %s with 401 Unauthorized', async (_name, headers) => {
    const response = await get('/me', headers);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ success: false, errors: ['Unauthorized'] });
  });

  it('rejects an expired token', async () => {
    const key = generateSigningKey();
    const verifier = TokenVerifier.local((await TokenIssuer.fromPem(key, 60)).jwks());
    const tenMinutesAgo = await TokenIssuer.fromPem(key, 60, { now: () => Date.now() - 600_000 });
    const claims = { id: 1, username: 'a', email: 'a@b.cd' };
    await expect(verifier.verify(await (await TokenIssuer.fromPem(key, 60)).sign(claims))).resolves.toEqual(
      claims,
    );
    await expect(verifier.verify(await tenMinutesAgo.sign(claims))).rejects.toMatchObject({
      statusCode: 401,
    });
  });

  it('rejects a token signed with another key (forged)', async () => {
    const forger = await TokenIssuer.fromPem(generateSigningKey(), 300);
    const forged = await forger.sign({ id: 7, username: 'ivan', email: 'ivan@mail.ru' });
    expect((await get('/me', { 'x-auth-token': forged })).statusCode).toBe(401);
  });

  it('rejects a token whose payload was altered', async () => {
    const [header, , signature] = (await authority.tokenFor({ id: 7 })).split('.');
    const payload = Buffer.from(
      JSON.stringify({
        id: 1,
        username: 'admin',
        email: 'a@b.cd',
        iss: 'app-auth',
        aud: 'adboard',
        exp: 9999999999,
      }),
    ).toString('base64url');
    expect((await get('/me', { 'x-auth-token': `${header}.${payload}.${signature}` })).statusCode).toBe(401);
  });

  it('rejects an unsigned (alg none) token', async () => {
    const header = Buffer.from('{"alg":"none"}').toString('base64url');
    const payload = Buffer.from(
      '{"id":7,"username":"a","email":"a@b.cd","iss":"app-auth","aud":"adboard"}',
    ).toString('base64url');
    expect((await get('/me', { 'x-auth-token': `${header}.${payload}.` })).statusCode).toBe(401);
  });
});

describe('self-only routes', () => {
  it('lets a user reach their own resource', async () => {
    const token = await authority.tokenFor({ id: 7 });
    expect((await get('/account/7', { 'x-auth-token': token })).statusCode).toBe(200);
  });

  it("answers someone else's resource with 403 Access denied", async () => {
    const token = await authority.tokenFor({ id: 7 });
    const response = await get('/account/8', { 'x-auth-token': token });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ success: false, errors: ['Access denied'] });
  });

  it('answers 401 before looking at the path', async () => {
    expect((await get('/account/abc')).statusCode).toBe(401);
  });

  it('answers a malformed {userId} with 404 for an authenticated user', async () => {
    const token = await authority.tokenFor({ id: 7 });
    expect((await get('/account/abc', { 'x-auth-token': token })).statusCode).toBe(404);
    expect((await get('/account/0', { 'x-auth-token': token })).statusCode).toBe(404);
  });
});

describe('internal routes', () => {
  const put = (url: string, headers: Record<string, string>) => app.inject({ method: 'PUT', url, headers });

  it('accepts a service credential and knows the caller', async () => {
    const token = await testServiceToken('app-adv', 'app-billing');
    const response = await put('/internal', { 'x-service-token': token });
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toBe('app-adv');
  });

  it('answers 403 without a service credential, even with a valid user token', async () => {
    const userToken = await authority.tokenFor({ id: 7 });
    const response = await put('/internal', { 'x-auth-token': userToken });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ success: false, errors: ['Access denied'] });
  });

  it('answers 403 to a user token presented as a service credential', async () => {
    const userToken = await authority.tokenFor({ id: 7 });
    expect((await put('/internal', { 'x-service-token': userToken })).statusCode).toBe(403);
  });

  it('answers 403 to a credential signed with a key it was not given', async () => {
    const token = await new ServiceCredentials('app-adv', { signingKey: generateSigningKey() }).tokenFor(
      'app-billing',
    );
    expect((await put('/internal', { 'x-service-token': token })).statusCode).toBe(403);
  });

  /** A credential for app-billing signed with `key` (its kid), whose issuer says `issuer`. */
  async function credential(key: string, issuer: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: keyIdOf(publicKeyOf(key)) })
      .setIssuer(issuer)
      .setAudience('app-billing')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(await importPKCS8(key, 'EdDSA'));
  }

  it('answers 403 to another service speaking for app-adv with its own key', async () => {
    // A credential app-user could mint: its own key, app-adv's name (with one shared secret this passed).
    const token = await credential(testSigningKey('app-user'), 'app-adv');
    expect((await put('/internal', { 'x-service-token': token })).statusCode).toBe(403);
  });

  it("answers 403 to a token under the caller's key whose issuer is another service", async () => {
    const token = await credential(testSigningKey('app-adv'), 'app-auth');
    expect((await put('/internal', { 'x-service-token': token })).statusCode).toBe(403);
    expect(
      (await put('/internal', { 'x-service-token': await credential(testSigningKey('app-adv'), 'app-adv') }))
        .statusCode,
    ).toBe(200);
  });

  it('answers 403 to a credential addressed to another service', async () => {
    const token = await testServiceToken('app-adv', 'app-bonus');
    expect((await put('/internal', { 'x-service-token': token })).statusCode).toBe(403);
  });

  it("answers 403 to a service that is not among the route's callers", async () => {
    const fromAdv = await testServiceToken('app-adv', 'app-billing');
    expect((await put('/from-auth', { 'x-service-token': fromAdv })).statusCode).toBe(403);
  });

  it('refuses keys for callers the service catalogue does not allow', () => {
    const publicKey = publicKeyOf(testSigningKey('app-user'));
    expect(
      () => new ServiceCredentials('app-billing', { callerKeys: [{ service: 'app-user', publicKey }] }),
    ).toThrow(
      'SERVICE_CALLER_KEYS: app-user may not call app-billing (the service catalogue allows app-adv)',
    );
  });

  it('holds no signing key in a service that calls nothing', async () => {
    await expect(new ServiceCredentials('app-notify').tokenFor('app-billing')).rejects.toThrow(
      'app-notify has no SERVICE_SIGNING_KEY',
    );
  });

  it("accepts both of a caller's keys while its key is rotated", async () => {
    const next = generateSigningKey();
    const rotating = new ServiceCredentials('app-billing', {
      callerKeys: [
        { service: 'app-adv', publicKey: publicKeyOf(testSigningKey('app-adv')) },
        { service: 'app-adv', publicKey: publicKeyOf(next) },
      ],
    });
    const withNext = await new ServiceCredentials('app-adv', { signingKey: next }).tokenFor('app-billing');
    await expect(rotating.verify(await testServiceToken('app-adv', 'app-billing'))).resolves.toBe('app-adv');
    await expect(rotating.verify(withNext)).resolves.toBe('app-adv');
  });
});

describe('tokens must state their issuer, audience, issue and expiry times', () => {
  const CLAIMS = ['iss', 'aud', 'iat', 'exp'] as const;
  type Claim = (typeof CLAIMS)[number];

  /** A token signed with the real key, with every contract claim except `without`. */
  async function userTokenWithout(key: string, without: Claim | 'sub', kid: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      id: 7,
      username: 'ivan',
      email: 'ivan@mail.ru',
      sub: '7',
      iss: 'app-auth',
      aud: 'adboard',
      iat: now,
      exp: now + 300,
    };
    delete claims[without];
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
      .sign(await importPKCS8(key, 'EdDSA'));
  }

  it.each([...CLAIMS, 'sub' as const])(
    'refuses a user token without %s, signed with the real key',
    async (claim) => {
      const key = generateSigningKey();
      const issuer = await TokenIssuer.fromPem(key, 300);
      const verifier = TokenVerifier.local(issuer.jwks());
      const kid = issuer.jwks().keys[0]!.kid!;
      await expect(
        verifier.verify(await issuer.sign({ id: 7, username: 'ivan', email: 'ivan@mail.ru' })),
      ).resolves.toEqual({
        id: 7,
        username: 'ivan',
        email: 'ivan@mail.ru',
      });
      await expect(verifier.verify(await userTokenWithout(key, claim, kid))).rejects.toMatchObject({
        statusCode: 401,
      });
    },
  );

  it('refuses a user token issued longer ago than any token may live, whatever its exp says', async () => {
    const key = generateSigningKey();
    const issuer = await TokenIssuer.fromPem(key, 300);
    const twoHoursAgo = Math.floor(Date.now() / 1000) - 7200;
    const token = await new SignJWT({ id: 7, username: 'ivan', email: 'ivan@mail.ru' })
      .setProtectedHeader({ alg: 'EdDSA', kid: issuer.jwks().keys[0]!.kid! })
      .setSubject('7')
      .setIssuer('app-auth')
      .setAudience('adboard')
      .setIssuedAt(twoHoursAgo)
      .setExpirationTime(twoHoursAgo + 365 * 24 * 3600)
      .sign(await importPKCS8(key, 'EdDSA'));
    await expect(TokenVerifier.local(issuer.jwks()).verify(token)).rejects.toMatchObject({ statusCode: 401 });
  });

  it.each(CLAIMS)(
    "answers 403 to a service credential without %s, signed with the caller's real key",
    async (claim) => {
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        iss: 'app-adv',
        sub: 'app-adv',
        aud: 'app-billing',
        iat: now,
        exp: now + 300,
      };
      const advKey = testSigningKey('app-adv');
      const sign = async (payload: Record<string, unknown>) =>
        new SignJWT(payload)
          .setProtectedHeader({ alg: 'EdDSA', kid: keyIdOf(publicKeyOf(advKey)) })
          .sign(await importPKCS8(advKey, 'EdDSA'));
      const complete = await sign({ ...claims });
      expect(
        (await app.inject({ method: 'PUT', url: '/internal', headers: { 'x-service-token': complete } }))
          .statusCode,
      ).toBe(200);
      delete claims[claim];
      const token = await sign(claims);
      const response = await app.inject({
        method: 'PUT',
        url: '/internal',
        headers: { 'x-service-token': token },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({ success: false, errors: ['Access denied'] });
    },
  );
});
