import {
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
import { ServiceUnavailableError, UnauthorizedError } from '../http/errors.js';
import type { UserClaims } from '../request-context.js';
import { keyIdOf } from './keys.js';

export const TOKEN_ISSUER = 'app-auth';
export const TOKEN_AUDIENCE = 'adboard';
const ALGORITHM = 'EdDSA';
/** The longest life a user token may have (JWT_TTL_SECONDS is at most this): older is refused. */
export const MAX_USER_TOKEN_AGE_SECONDS = 3600;
/** Every user token states all of these; one without them (e.g. no `exp`: valid forever) is refused. */
export const REQUIRED_USER_TOKEN_CLAIMS = ['sub', 'iss', 'aud', 'iat', 'exp'];

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
    private readonly publishedJwks: JWK[],
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {
    this.signed = new ExpiringCache(CACHED_TOKENS, () => this.clock.now());
  }

  /**
   * `alsoPublished`: public keys (base64url) the JWKS lists besides the signing key's — the next
   * key before a rotation, so verifiers know it before the first token it signs; the previous one
   * after it, until the tokens it signed have expired.
   */
  static async fromPem(
    privateKeyPem: string,
    ttlSeconds: number,
    clock: Clock = systemClock,
    alsoPublished: readonly string[] = [],
  ): Promise<TokenIssuer> {
    const privateKey = await importPKCS8(privateKeyPem, ALGORITHM, { extractable: true });
    const { x } = await exportJWK(privateKey);
    const published = alsoPublished.filter((key) => key !== x).map(publicJwkOf);
    return new TokenIssuer(privateKey, publicJwkOf(x!), published, ttlSeconds, clock);
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
    return { keys: [this.publicJwk, ...this.publishedJwks] };
  }
}

function publicJwkOf(x: string): JWK {
  return { kty: 'OKP', crv: 'Ed25519', x, kid: keyIdOf(x), alg: ALGORITHM, use: 'sig' };
}

/** What jose says about a token itself (401); anything else — the JWKS unreachable or broken — is an outage (503). */
const TOKEN_FAULTS = new Set([
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

class IncompleteClaims extends Error {}

/**
 * Checks a user token: signature, issuer, audience, issue and expiry times (within the clock
 * tolerance), and the shape of the claims: 401 when the token fails, 503 when the keys cannot be
 * had (app-auth's JWKS unreachable: an outage, not a logout). A token that passed is remembered
 * until it expires, so the same token (forward auth hands one token out for minutes) is verified
 * once per process, not on every request.
 */
export class TokenVerifier {
  private readonly verified = new ExpiringCache<UserClaims>(CACHED_TOKENS);

  constructor(
    private readonly keys: JWTVerifyGetKey,
    private readonly clockToleranceSeconds = 0,
  ) {}

  /** Keys fetched (and cached, and refreshed on an unknown `kid`) from app-auth's JWKS endpoint. */
  static remote(jwksUrl: string, clockToleranceSeconds = 0): TokenVerifier {
    const keys = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 2_000 });
    return new TokenVerifier(keys, clockToleranceSeconds);
  }

  static local(jwks: JSONWebKeySet, clockToleranceSeconds = 0): TokenVerifier {
    return new TokenVerifier(createLocalJWKSet(jwks), clockToleranceSeconds);
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
        clockTolerance: this.clockToleranceSeconds,
      });
      const { id, username, email } = payload;
      if (!Number.isSafeInteger(id) || typeof username !== 'string' || typeof email !== 'string') {
        throw new IncompleteClaims();
      }
      const claims = { id: id as number, username, email };
      const ageLimit = (payload.iat! + MAX_USER_TOKEN_AGE_SECONDS) * 1000;
      this.verified.set(token, claims, Math.min(payload.exp! * 1000, ageLimit));
      return claims;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (error instanceof IncompleteClaims || (typeof code === 'string' && TOKEN_FAULTS.has(code))) {
        throw new UnauthorizedError();
      }
      throw new ServiceUnavailableError();
    }
  }
}
