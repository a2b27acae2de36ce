import type { CookieSerializeOptions } from '@fastify/cookie';
import {
  OkEmpty,
  rateLimited,
  Text,
  Type,
  UnauthorizedError,
  type HttpServer,
  type TokenIssuer,
} from '@adboard/kit';
import type { UserDirectory } from '../data/user-directory.js';
import { logIn } from '../domain/login.js';
import { TOO_MANY_LOGINS, type LoginLimiter } from '../domain/login-limiter.js';
import type { Sessions } from '../domain/sessions.js';

export const SESSION_COOKIE = 'sid';

export interface AuthRouteDeps {
  users: UserDirectory;
  sessions: Sessions;
  limiter: LoginLimiter;
  /** Login attempts allowed per client address in a window (whatever the usernames). */
  loginsPerAddress: { max: number; windowSeconds: number };
  issuer: TokenIssuer;
  secureCookie: boolean;
}

const errors = { '4xx': { $ref: 'ErrorEnvelope#' } };

export function authRoutes(app: HttpServer, deps: AuthRouteDeps): void {
  const cookieOptions: CookieSerializeOptions = {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: deps.secureCookie,
  };

  app.post(
    '/api/v1/login',
    {
      config: rateLimited({ ...deps.loginsPerAddress, per: 'address', message: TOO_MANY_LOGINS }),
      schema: {
        summary:
          'Log in: sets the session cookie. 429 with Retry-After when the address made too many attempts, or the ' +
          'username is locked after too many failures (until the window ends, even with the right password)',
        body: Type.Object({ username: Text(255), password: Text(255) }),
        response: { 200: OkEmpty(), ...errors },
      },
    },
    async (request, reply) => {
      const sessionId = await logIn(deps, {
        username: request.body.username,
        password: request.body.password,
        previousSessionId: request.cookies[SESSION_COOKIE],
      });
      request.log.info({ username: request.body.username }, 'logged in');
      reply.setCookie(SESSION_COOKIE, sessionId, cookieOptions);
      return { success: true };
    },
  );

  app.get(
    '/api/v1/auth',
    {
      schema: {
        summary: 'Forward auth: a live session answers 200 with X-Auth-Token (a JWT), none answers 401',
        response: { 200: OkEmpty(), ...errors },
      },
    },
    async (request, reply) => {
      const owner = await deps.sessions.resume(request.cookies[SESSION_COOKIE]);
      if (!owner) throw new UnauthorizedError();
      reply.header('x-auth-token', await deps.issuer.tokenFor(owner));
      return { success: true };
    },
  );

  app.post(
    '/api/v1/logout',
    { schema: { summary: 'Log out (200 even without a session)', response: { 200: OkEmpty() } } },
    async (request, reply) => {
      await deps.sessions.end(request.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return { success: true as const };
    },
  );

  app.get(
    '/.well-known/jwks.json',
    { schema: { summary: 'Public keys that verify user tokens (JWKS)' } },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return deps.issuer.jwks();
    },
  );
}
