import { generateKeyPairSync } from 'node:crypto';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  importPKCS8,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { systemClock, type Clock } from '../clock.js';
import { ExpiringCache } from '../expiring-cache.js';
import { UnauthorizedError } from '../http/errors.js';
import type { UserClaims } from '../request-context.js';

export const TOKEN_ISSUER = 'app-auth';
export const TOKEN_AUDIENCE = 'adboard';
const ALGORITHM = 'EdDSA';
/** The longest life a user token may have (JWT_TTL_SECONDS is at most this): older is refused. */
export const MAX_USER_TOKEN_AGE_SECONDS = 3600;
/** Every user token states all of these; one without them (e.g. no `exp`: valid forever) is refused. */
export const REQUIRED_USER_TOKEN_CLAIMS = ['sub', 'iss', 'aud', 'iat', 'exp'];

/** A fresh Ed25519 private key as PKCS#8 PEM (what `AUTH_PRIVATE_KEY` holds). */
export function generateSigningKey(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Tokens kept signed (issuer) or verified (verifier) per process, at most. */
const CACHED_TOKENS = 10_000;

/**
 * Signs user tokens with app-auth's private key and publishes the public half as a JWKS. A token
 * is signed once and handed out again for the same claims while at least half its life is left:
 * forward auth asks for one on every request, and an Ed25519 signature each time was the cost.
 */
export class TokenIssuer {
  private readonly signed: ExpiringCache<string>;

  private constructor(
    private readonly privateKey: Awaited<ReturnType<typeof importPKCS8>>,
    private readonly publicJwk: JWK,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {
    this.signed = new ExpiringCache(CACHED_TOKENS, () => this.clock.now());
  }

  static async fromPem(
    privateKeyPem: string,
    ttlSeconds: number,
    clock: Clock = systemClock,
  ): Promise<TokenIssuer> {
    const privateKey = await importPKCS8(privateKeyPem, ALGORITHM, { extractable: true });
    const { d: _secret, ...publicJwk } = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    return new TokenIssuer(privateKey, { ...publicJwk, kid, alg: ALGORITHM, use: 'sig' }, ttlSeconds, clock);
  }

  /** A token for `claims`: a fresh one, or one signed earlier that still has half its life. */
  async tokenFor(claims: UserClaims): Promise<string> {
    const key = JSON.stringify([claims.id, claims.username, claims.email]);
    const cached = this.signed.get(key);
    if (cached) return cached;
    const token = await this.sign(claims);
    this.signed.set(key, token, this.clock.now() + (this.ttlSeconds * 1000) / 2);
    return token;
  }

  sign(claims: UserClaims): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    return new SignJWT({ id: claims.id, username: claims.username, email: claims.email })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.publicJwk.kid!, typ: 'JWT' })
      .setSubject(String(claims.id))
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.privateKey);
  }

  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] };
  }
}

/**
 * Checks a user token: signature, issuer, audience, issue and expiry times, and the shape of the
 * claims. A token that passed is remembered until it expires, so the same token (forward auth
 * hands one token out for minutes) is verified once per process, not on every request.
 */
export class TokenVerifier {
  private readonly verified = new ExpiringCache<UserClaims>(CACHED_TOKENS);

  constructor(private readonly keys: JWTVerifyGetKey) {}

  /** Keys fetched (and cached, and refreshed on an unknown `kid`) from app-auth's JWKS endpoint. */
  static remote(jwksUrl: string): TokenVerifier {
    return new TokenVerifier(createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000 }));
  }

  static local(jwks: JSONWebKeySet): TokenVerifier {
    return new TokenVerifier(createLocalJWKSet(jwks));
  }

  async verify(token: string): Promise<UserClaims> {
    const known = this.verified.get(token);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms: [ALGORITHM],
        requiredClaims: REQUIRED_USER_TOKEN_CLAIMS,
        maxTokenAge: MAX_USER_TOKEN_AGE_SECONDS,
      });
      const { id, username, email } = payload;
      if (!Number.isSafeInteger(id) || typeof username !== 'string' || typeof email !== 'string') {
        throw new Error('token claims are incomplete');
      }
      const claims = { id: id as number, username, email };
      const ageLimit = (payload.iat! + MAX_USER_TOKEN_AGE_SECONDS) * 1000;
      this.verified.set(token, claims, Math.min(payload.exp! * 1000, ageLimit));
      return claims;
    } catch {
      throw new UnauthorizedError();
    }
  }
}
