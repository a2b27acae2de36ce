import {
  errorResponses,
  freshKeyRoute,
  IdempotencyKeyHeader,
  idempotencyKeyOf,
  PageQuery,
  pageOf,
  idempotentResponse,
  Ok,
  rateLimited,
  requireIdempotencyKey,
  Type,
  UserIdParams,
  type Database,
  type HttpServer,
  type RouteRateLimit,
} from '@adboard/kit';
import { getAccount, pay, rollback, statement, topUp } from '../domain/accounts.js';
import { AccountView, accountView, EntryView, entryView, Sum } from './schemas.js';

/** `perUser` limits the money operations a user starts (top-up, rollback); services are never limited. */
export function accountRoutes(app: HttpServer, db: Database, perUser: RouteRateLimit): void {
  freshKeyRoute(app, '/api/v1/account/uuid', ['accounts']);

  app.get(
    '/api/v1/account/:userId',
    {
      config: { access: 'self' },
      schema: {
        tags: ['accounts'],
        summary: 'Your account',
        params: UserIdParams,
        response: { 200: Ok(AccountView, 'Your account'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: accountView(await getAccount(db, request.params.userId)),
    }),
  );

  app.get(
    '/api/v1/account/:userId/transactions',
    {
      config: { access: 'self' },
      schema: {
        tags: ['accounts'],
        summary: 'Your ledger entries, newest first (page from 1, limit up to 100, default 20)',
        params: UserIdParams,
        querystring: PageQuery(100, 20, 'entries'),
        response: {
          200: Ok(Type.Array(EntryView), 'A page of ledger entries'),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => ({
      success: true as const,
      data: (await statement(db, request.params.userId, pageOf(request.query, 20))).map(entryView),
    }),
  );

  app.put(
    '/api/v1/account/top-up/:userId',
    {
      preValidation: requireIdempotencyKey,
      config: { access: 'self', ...rateLimited(perUser) },
      schema: {
        tags: ['accounts'],
        summary:
          'Credit your account (429 with Retry-After beyond the per-user limit); a repeat with the same key changes nothing (Idempotent-Replayed: true)',
        params: UserIdParams,
        headers: IdempotencyKeyHeader,
        body: Sum,
        response: {
          200: Ok(AccountView, 'The account after the top-up (or the stored answer of a repeat)'),
          ...errorResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) =>
      idempotentResponse(
        reply,
        await topUp(
          db,
          {
            userId: request.params.userId,
            key: idempotencyKeyOf(request),
            sum: request.body.sum,
          },
          accountView,
        ),
      ),
  );

  app.put(
    '/api/v1/account/pay/:userId',
    {
      config: { access: { service: 'app-adv' } },
      preValidation: requireIdempotencyKey,
      schema: {
        tags: ['accounts'],
        summary: 'Debit an account (internal: app-adv); not enough money → 400 and nothing is recorded',
        params: UserIdParams,
        headers: IdempotencyKeyHeader,
        body: Sum,
        response: {
          200: Ok(AccountView, 'The account after the payment'),
          ...errorResponses(400, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) =>
      idempotentResponse(
        reply,
        await pay(
          db,
          {
            userId: request.params.userId,
            key: idempotencyKeyOf(request),
            sum: request.body.sum,
          },
          accountView,
        ),
      ),
  );

  app.put(
    '/api/v1/account/rollback/:userId',
    {
      preValidation: requireIdempotencyKey,
      config: { access: { selfOrService: 'app-adv' }, ...rateLimited(perUser) },
      schema: {
        tags: ['accounts'],
        summary:
          'Reverse the operation made with this key (a payment only by a service); nothing to reverse → unchanged',
        params: UserIdParams,
        headers: IdempotencyKeyHeader,
        response: {
          200: Ok(AccountView, 'The account after the reversal'),
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => ({
      success: true as const,
      data: accountView(
        await rollback(db, {
          userId: request.params.userId,
          key: idempotencyKeyOf(request),
          byService: request.caller !== null,
        }),
      ),
    }),
  );
}
