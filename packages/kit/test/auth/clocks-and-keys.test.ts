import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey, publicKeyOf } from '../../src/auth/keys.js';
import { ServiceCredentials } from '../../src/auth/service-credentials.js';
import { TokenIssuer, TokenVerifier } from '../../src/auth/tokens.js';
import { freePort } from '../../src/testing/ports.js';

const claims = { id: 7, username: 'ivan', email: 'ivan@mail.ru' };
const ahead = (ms: number) => ({ now: () => Date.now() + ms });

describe("another host's clock", () => {
  it('accepts a user token issued by a clock a few seconds ahead, within the tolerance', async () => {
    const key = generateSigningKey();
    const issuer = await TokenIssuer.fromPem(key, 300, ahead(2_000));
    const verifier = TokenVerifier.local(issuer.jwks(), 5);
    await expect(verifier.verify(await issuer.sign(claims))).resolves.toEqual(claims);
  });

  it('refuses a user token from a clock further ahead than the tolerance', async () => {
    const issuer = await TokenIssuer.fromPem(generateSigningKey(), 300, ahead(60_000));
    const verifier = TokenVerifier.local(issuer.jwks(), 5);
    await expect(verifier.verify(await issuer.sign(claims))).rejects.toMatchObject({ statusCode: 401 });
  });

  it('accepts a user token that expired a moment ago by a clock behind, within the tolerance', async () => {
    const issuer = await TokenIssuer.fromPem(generateSigningKey(), 30, ahead(-32_000));
    const token = await issuer.sign(claims);
    await expect(TokenVerifier.local(issuer.jwks(), 5).verify(token)).resolves.toEqual(claims);
    await expect(TokenVerifier.local(issuer.jwks(), 0).verify(token)).rejects.toMatchObject({
      statusCode: 401,
    });
  });

  it('accepts a service credential signed by a clock a few seconds ahead, not one a minute ahead', async () => {
    const key = generateSigningKey();
    const billing = new ServiceCredentials('app-billing', {
      callerKeys: [{ service: 'app-adv', publicKey: publicKeyOf(key) }],
      clockToleranceSeconds: 5,
    });
    const token = (skewMs: number) =>
      new ServiceCredentials('app-adv', { signingKey: key, clock: ahead(skewMs) }).tokenFor('app-billing');
    await expect(billing.verify(await token(2_000))).resolves.toBe('app-adv');
    await expect(billing.verify(await token(60_000))).rejects.toMatchObject({ statusCode: 403 });
  });
});

describe("app-auth's keys", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  /** A JWKS endpoint that answers with `answer`'s status and body. */
  async function jwksEndpoint(answer: () => { status: number; body: string }): Promise<string> {
    const server = createServer((_request, response) => {
      const { status, body } = answer();
      response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  it('answers 503, not 401, while the JWKS cannot be fetched', async () => {
    const issuer = await TokenIssuer.fromPem(generateSigningKey(), 300);
    const token = await issuer.sign(claims);
    const unreachable = TokenVerifier.remote(`http://127.0.0.1:${await freePort()}/.well-known/jwks.json`);
    await expect(unreachable.verify(token)).rejects.toMatchObject({ statusCode: 503 });
    const failing = TokenVerifier.remote(await jwksEndpoint(() => ({ status: 500, body: '{}' })));
    await expect(failing.verify(token)).rejects.toMatchObject({ statusCode: 503 });
    const broken = TokenVerifier.remote(await jwksEndpoint(() => ({ status: 200, body: '<html>' })));
    await expect(broken.verify(token)).rejects.toMatchObject({ statusCode: 503 });
  });

  it('answers 401 to a token whose key the JWKS does not list', async () => {
    const issuer = await TokenIssuer.fromPem(generateSigningKey(), 300);
    const other = await TokenIssuer.fromPem(generateSigningKey(), 300);
    const verifier = TokenVerifier.remote(
      await jwksEndpoint(() => ({ status: 200, body: JSON.stringify(issuer.jwks()) })),
    );
    await expect(verifier.verify(await issuer.sign(claims))).resolves.toEqual(claims);
    await expect(verifier.verify(await other.sign(claims))).rejects.toMatchObject({ statusCode: 401 });
  });

  it('publishes the next key before a rotation and the previous one after it', async () => {
    const [current, next] = [generateSigningKey(), generateSigningKey()];
    const before = await TokenIssuer.fromPem(current, 300, undefined, [publicKeyOf(next)]);
    const after = await TokenIssuer.fromPem(next, 300, undefined, [publicKeyOf(current)]);
    expect(before.jwks().keys.map((key) => key.x)).toEqual([publicKeyOf(current), publicKeyOf(next)]);
    // A verifier holding the JWKS from before the rotation accepts the tokens signed after it…
    await expect(TokenVerifier.local(before.jwks()).verify(await after.sign(claims))).resolves.toEqual(
      claims,
    );
    // …and one holding the JWKS from after it still accepts the tokens signed before.
    await expect(TokenVerifier.local(after.jwks()).verify(await before.sign(claims))).resolves.toEqual(
      claims,
    );
  });
});
