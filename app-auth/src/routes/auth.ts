import { USER_TOKEN_HEADER } from '@adboard/contracts';
import type { CookieSerializeOptions } from '@fastify/cookie';
import {
  BusinessError,
  errorResponses,
  OkEmpty,
  rateLimited,
  Text,
  Type,
  TooManyRequestsError,
  UnauthorizedError,
  type Counter,
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
  /** Login attempts by outcome (see `LOGIN_OUTCOMES`). */
  logins?: Counter;
}

/** How a login attempt that reached the handler ended (429s per address never reach it). */
export const LOGIN_OUTCOMES = ['succeeded', 'refused', 'locked', 'failed'] as const;

function loginOutcomeOf(error: unknown): (typeof LOGIN_OUTCOMES)[number] {
  if (error instanceof TooManyRequestsError) return 'locked';
  return error instanceof BusinessError ? 'refused' : 'failed';
}

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
      config: {
        access: 'public',
        ...rateLimited({ ...deps.loginsPerAddress, per: 'address', message: TOO_MANY_LOGINS }),
      },
      schema: {
        tags: ['auth'],
        summary:
          'Log in: sets the session cookie. 429 with Retry-After when the address made too many attempts, or the ' +
          'username is locked after too many failures (until the window ends, even with the right password)',
        body: Type.Object({ username: Text(255), password: Text(255) }),
        response: { 200: OkEmpty('Logged in: the session cookie is set'), ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      const sessionId = await logIn(deps, {
        username: request.body.username,
        password: request.body.password,
        previousSessionId: request.cookies[SESSION_COOKIE],
      }).catch((error: unknown) => {
        deps.logins?.inc({ outcome: loginOutcomeOf(error) });
        throw error;
      });
      deps.logins?.inc({ outcome: 'succeeded' });
      request.log.info({ username: request.body.username }, 'logged in');
      reply.setCookie(SESSION_COOKIE, sessionId, cookieOptions);
      return { success: true as const };
    },
  );

  app.get(
    '/api/v1/auth',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Forward auth: a live session answers 200 with X-Auth-Token (a JWT), none answers 401',
        response: {
          200: OkEmpty('A live session: the X-Auth-Token header carries its JWT'),
          ...errorResponses(401),
        },
      },
    },
    async (request, reply) => {
      const owner = await deps.sessions.resume(request.cookies[SESSION_COOKIE]);
      if (!owner) throw new UnauthorizedError();
      reply.header(USER_TOKEN_HEADER, await deps.issuer.tokenFor(owner));
      return { success: true as const };
    },
  );

  app.post(
    '/api/v1/logout',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Log out (200 even without a session)',
        response: { 200: OkEmpty('Logged out') },
      },
    },
    async (request, reply) => {
      await deps.sessions.end(request.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return { success: true as const };
    },
  );

  app.get(
    '/.well-known/jwks.json',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Public keys that verify user tokens (JWKS)',
        response: {
          200: Type.Object(
            { keys: Type.Array(Type.Object({}, { additionalProperties: true })) },
            { description: 'The JSON Web Key Set (Ed25519 public keys)' },
          ),
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return deps.issuer.jwks();
    },
  );
}
