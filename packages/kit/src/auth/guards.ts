import { SERVICE_TOKEN_HEADER, USER_TOKEN_HEADER } from '@adboard/contracts';
import type { FastifyRequest } from 'fastify';
import { AccessDeniedError, NotFoundError, UnauthorizedError } from '../http/errors.js';
import { INT32_MAX } from '../http/fields.js';
import type { GuardedAccess, RouteGuard } from '../http/route-access.js';
import type { UserClaims } from '../request-context.js';
import type { ServiceCredentials } from './service-credentials.js';
import type { TokenVerifier } from './tokens.js';

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `{userId}` as the contract reads it: a positive integer, anything else is a 404. */
export function parseUserId(raw: unknown): number {
  const text = String(raw ?? '');
  const id = /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : NaN;
  if (!(id <= INT32_MAX)) throw new NotFoundError();
  return id;
}

export type Guard = RouteGuard;

export interface Guards {
  /** A valid user token (401 otherwise); its claims land on `request.user`. */
  user: Guard;
  /** A valid user token whose id is the `{userId}` of the path (401, then 404, then 403). */
  self: Guard;
  /** A valid service credential (403 otherwise, whatever user token is present); optionally only from some callers. */
  service: (...allowedCallers: string[]) => Guard;
  /** A service credential when one is sent (it must then be valid), else the `self` rules. */
  selfOrService: (...allowedCallers: string[]) => Guard;
}

/** Route guards for `onRequest`: they run before the body is read, so 401/403 come before any 400. */
export function createGuards(tokens: TokenVerifier, services: ServiceCredentials): Guards {
  const user: Guard = async (request) => {
    const token = headerValue(request, USER_TOKEN_HEADER);
    if (!token) throw new UnauthorizedError();
    request.user = await tokens.verify(token);
  };
  const self: Guard = async (request) => {
    await user(request);
    const userId = parseUserId((request.params as Record<string, unknown>).userId);
    if (userId !== request.user!.id) throw new AccessDeniedError();
  };
  const service =
    (...allowedCallers: string[]): Guard =>
    async (request) => {
      const caller = await services.verify(headerValue(request, SERVICE_TOKEN_HEADER));
      if (allowedCallers.length > 0 && !allowedCallers.includes(caller)) throw new AccessDeniedError();
      request.caller = caller;
    };
  return {
    user,
    self,
    service,
    selfOrService:
      (...allowedCallers) =>
      async (request) => {
        if (headerValue(request, SERVICE_TOKEN_HEADER)) {
          await service(...allowedCallers)(request);
          parseUserId((request.params as Record<string, unknown>).userId);
        } else {
          await self(request);
        }
      },
  };
}

/** The guard a route's declared access stands for (see `RouteAccess`). */
export function guardFor(guards: Guards, access: GuardedAccess): Guard {
  if (access === 'user') return guards.user;
  if (access === 'self') return guards.self;
  return 'service' in access ? guards.service(access.service) : guards.selfOrService(access.selfOrService);
}

/** The authenticated user of a request that passed the `user` or `self` guard. */
export function currentUser(request: FastifyRequest): UserClaims {
  if (!request.user) throw new UnauthorizedError();
  return request.user;
}
