import { SERVICE_TOKEN_HEADER } from '@adboard/contracts';
import { jwtVerify, SignJWT } from 'jose';
import { ExpiringCache } from '../expiring-cache.js';
import { AccessDeniedError } from '../http/errors.js';
import type { CallerCredentials } from '../request-context.js';

const ALGORITHM = 'HS256';
const TTL_SECONDS = 300;
const REUSE_SECONDS = 240;

/**
 * Proves which service is calling. Each call carries `X-Service-Token`: a short-lived JWT whose
 * issuer is the caller and whose audience is the callee, signed with the secret the services share
 * (`SERVICE_SECRET`, a Kubernetes Secret). A user can never hold one, so internal routes stay
 * internal even when a user token is present.
 */
export class ServiceCredentials implements CallerCredentials {
  static readonly header = SERVICE_TOKEN_HEADER;
  private readonly key: Uint8Array;
  private readonly cache = new Map<string, { token: string; reuseUntil: number }>();
  /** Tokens that passed, until they expire: a caller reuses one token for minutes. */
  private readonly verified = new ExpiringCache<string>(1_000);

  constructor(
    readonly self: string,
    secret: string,
  ) {
    if (secret.length < 32) throw new Error('SERVICE_SECRET must be at least 32 characters');
    this.key = new TextEncoder().encode(secret);
  }

  /** A token for calling `audience`, reused for a few minutes. */
  async tokenFor(audience: string): Promise<string> {
    const cached = this.cache.get(audience);
    if (cached && cached.reuseUntil > Date.now()) return cached.token;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: ALGORITHM })
      .setIssuer(this.self)
      .setSubject(this.self)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${TTL_SECONDS}s`)
      .sign(this.key);
    this.cache.set(audience, { token, reuseUntil: Date.now() + REUSE_SECONDS * 1000 });
    return token;
  }

  /**
   * The calling service's name; 403 for a missing, forged, expired or misaddressed token, and for
   * one that does not state its issuer, audience, issue and expiry times (or is older than its TTL).
   */
  async verify(token: string | undefined): Promise<string> {
    if (!token) throw new AccessDeniedError();
    const known = this.verified.get(token);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        audience: this.self,
        algorithms: [ALGORITHM],
        requiredClaims: ['iss', 'aud', 'iat', 'exp'],
        maxTokenAge: TTL_SECONDS,
      });
      if (typeof payload.iss !== 'string') throw new Error('no issuer');
      this.verified.set(token, payload.iss, Math.min(payload.exp!, payload.iat! + TTL_SECONDS) * 1000);
      return payload.iss;
    } catch {
      throw new AccessDeniedError();
    }
  }
}
