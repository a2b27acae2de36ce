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
import { UnauthorizedError } from '../http/errors.js';

/** What a user token says about its bearer. */
export interface UserClaims {
  id: number;
  username: string;
  email: string;
}

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

/** Signs user tokens with app-auth's private key and publishes the public half as a JWKS. */
export class TokenIssuer {
  private constructor(
    private readonly privateKey: Awaited<ReturnType<typeof importPKCS8>>,
    private readonly publicJwk: JWK,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {}

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

/** Checks a user token: signature, issuer, audience, issue and expiry times, and the shape of the claims. */
export class TokenVerifier {
  constructor(private readonly keys: JWTVerifyGetKey) {}

  /** Keys fetched (and cached, and refreshed on an unknown `kid`) from app-auth's JWKS endpoint. */
  static remote(jwksUrl: string): TokenVerifier {
    return new TokenVerifier(createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000 }));
  }

  static local(jwks: JSONWebKeySet): TokenVerifier {
    return new TokenVerifier(createLocalJWKSet(jwks));
  }

  async verify(token: string): Promise<UserClaims> {
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
      return { id: id as number, username, email };
    } catch {
      throw new UnauthorizedError();
    }
  }
}
