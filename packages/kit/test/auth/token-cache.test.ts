import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/auth/keys.js';
import { TokenIssuer, TokenVerifier } from '../../src/auth/tokens.js';
import { ExpiringCache } from '../../src/expiring-cache.js';
import { waitFor } from '../../src/testing/wait.js';

const claims = { id: 7, username: 'ivan', email: 'ivan@mail.ru' };

describe('ExpiringCache', () => {
  it('returns a value until its expiry and makes room by dropping the oldest', () => {
    let now = 1_000;
    const cache = new ExpiringCache<string>(2, () => now);
    cache.set('a', 'A', 1_500);
    cache.set('b', 'B', 3_000);
    expect(cache.get('a')).toBe('A');
    now = 1_500;
    expect(cache.get('a')).toBeUndefined();
    cache.set('c', 'C', 3_000);
    cache.set('d', 'D', 3_000);
    expect([cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([undefined, 'C', 'D']);
    expect(cache.size).toBe(2);
  });
});

describe('user tokens, signed and verified once', () => {
  it('hands out the same token for the same claims while half its life is left, then a fresh one', async () => {
    let now = Date.now();
    const issuer = await TokenIssuer.fromPem(generateSigningKey(), 300, { now: () => now });
    const first = await issuer.tokenFor(claims);
    expect(await issuer.tokenFor(claims)).toBe(first);
    expect(await issuer.tokenFor({ ...claims, email: 'new@mail.ru' })).not.toBe(first);
    now += 151_000;
    const renewed = await issuer.tokenFor(claims);
    expect(renewed).not.toBe(first);
    const issuedAt = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).iat;
    expect(issuedAt(renewed) - issuedAt(first)).toBe(151);
  });

  it('refuses a remembered token once it has expired', async () => {
    const issuer = await TokenIssuer.fromPem(generateSigningKey(), 1);
    const verifier = TokenVerifier.local(issuer.jwks());
    const token = await issuer.sign(claims);
    await expect(verifier.verify(token)).resolves.toEqual(claims);
    await expect(verifier.verify(token)).resolves.toEqual(claims); // from memory
    await waitFor(
      () =>
        verifier.verify(token).then(
          () => false,
          () => true,
        ),
      {
        timeoutMs: 5_000,
        intervalMs: 100,
        what: 'the token to expire',
      },
    );
    await expect(verifier.verify(token)).rejects.toMatchObject({ statusCode: 401 });
  });
});
