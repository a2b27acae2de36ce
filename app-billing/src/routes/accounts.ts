import { randomUUID } from 'node:crypto';
import {
  idempotencyKeyOf,
  idempotentResponse,
  Ok,
  requireIdempotencyKey,
  Type,
  UserIdParams,
  type Database,
  type Guards,
  type HttpServer,
} from '@adboard/kit';
import { getAccount, pay, rollback, statement, topUp } from '../domain/accounts.js';
import { AccountView, EntryView, IdempotencyKeyHeader, Page, Sum } from './schemas.js';

const errors = { '4xx': { $ref: 'ErrorEnvelope#' } };
const asUser = [{ userToken: [] }];
const asService = [{ serviceToken: [] }];

export function accountRoutes(app: HttpServer, db: Database, guards: Guards): void {
  app.get(
    '/api/v1/account/uuid',
    {
      onRequest: guards.user,
      schema: {
        summary: 'A fresh random UUID to use as an idempotency key',
        security: asUser,
        response: { 200: Ok(Type.Object({ uuid: Type.String({ format: 'uuid' }) })), ...errors },
      },
    },
    async () => ({ success: true, data: { uuid: randomUUID() } }),
  );

  app.get(
    '/api/v1/account/:userId',
    {
      onRequest: guards.self,
      schema: {
        summary: 'Your account',
        security: asUser,
        params: UserIdParams,
        response: { 200: Ok(AccountView), ...errors },
      },
    },
    async (request) => ({ success: true, data: await getAccount(db, request.params.userId) }),
  );

  app.get(
    '/api/v1/account/:userId/transactions',
    {
      onRequest: guards.self,
      schema: {
        summary: 'Your ledger entries, newest first (page from 1, limit up to 100, default 20)',
        security: asUser,
        params: UserIdParams,
        querystring: Page,
        response: { 200: Ok(Type.Array(EntryView)), ...errors },
      },
    },
    async (request) => ({
      success: true,
      data: await statement(db, request.params.userId, {
        page: request.query.page ?? 1,
        limit: request.query.limit ?? 20,
      }),
    }),
  );

  app.put(
    '/api/v1/account/top-up/:userId',
    {
      onRequest: guards.self,
      preValidation: requireIdempotencyKey,
      schema: {
        summary:
          'Credit your account; a repeat with the same key changes nothing (Idempotent-Replayed: true)',
        security: asUser,
        params: UserIdParams,
        headers: IdempotencyKeyHeader,
        body: Sum,
        response: { 200: Ok(AccountView), ...errors },
      },
    },
    async (request, reply) =>
      idempotentResponse(
        reply,
        await topUp(db, {
          userId: request.params.userId,
          key: idempotencyKeyOf(request),
          sum: request.body.sum,
        }),
      ),
  );

  app.put(
    '/api/v1/account/pay/:userId',
    {
      onRequest: guards.service('app-adv'),
      preValidation: requireIdempotencyKey,
      schema: {
        summary: 'Debit an account (internal: app-adv); not enough money → 400 and nothing is recorded',
        security: asService,
        params: UserIdParams,
        headers: IdempotencyKeyHeader,
        body: Sum,
        response: { 200: Ok(AccountView), ...errors },
      },
    },
    async (request, reply) =>
      idempotentResponse(
        reply,
        await pay(db, {
          userId: request.params.userId,
          key: idempotencyKeyOf(request),
          sum: request.body.sum,
        }),
      ),
  );

  app.put(
    '/api/v1/account/rollback/:userId',
    {
      onRequest: guards.selfOrService('app-adv'),
      preValidation: requireIdempotencyKey,
      schema: {
        summary:
          'Reverse the operation made with this key (a payment only by a service); nothing to reverse → unchanged',
        security: [...asUser, ...asService],
        params: UserIdParams,
        headers: IdempotencyKeyHeader,
        response: { 200: Ok(AccountView), ...errors },
      },
    },
    async (request) => ({
      success: true,
      data: await rollback(db, {
        userId: request.params.userId,
        key: idempotencyKeyOf(request),
        byService: request.caller !== null,
      }),
    }),
  );
}
