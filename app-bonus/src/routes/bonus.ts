import {
  errorResponses,
  formatTimestamp,
  IdempotencyKeyHeader,
  idempotencyKeyOf,
  idempotentResponse,
  Ok,
  PositiveInt,
  requireIdempotencyKey,
  Timestamp,
  Type,
  UserIdParams,
  type Database,
  type HttpServer,
} from '@adboard/kit';
import type { Account } from '@adboard/ledger';
import { accrue, getBonusAccount, reverseAccrual } from '../domain/bonus.js';

const MAX_SUM = 1_000_000_000;

const BonusView = Type.Object({
  userId: Type.Integer(),
  bonus: Type.Integer(),
  createdAt: Timestamp(),
  updatedAt: Timestamp(),
});

/**
 * What an accrual's key stores and replays: the account as JSON, in the shape earlier releases
 * stored (`balance`), so a key stored before an upgrade still replays after it.
 */
const storedAccount = ({ userId, balance, createdAt, updatedAt }: Account) => ({
  userId,
  balance,
  createdAt: formatTimestamp(createdAt),
  updatedAt: formatTimestamp(updatedAt),
});

const view = ({ userId, balance, createdAt, updatedAt }: ReturnType<typeof storedAccount>) => ({
  userId,
  bonus: balance,
  createdAt,
  updatedAt,
});

export function bonusRoutes(app: HttpServer, db: Database, percent: number): void {
  app.get(
    '/api/v1/bonus/:userId',
    {
      config: { access: 'self' },
      schema: {
        tags: ['bonus'],
        summary: 'Your bonus account',
        params: UserIdParams,
        response: { 200: Ok(BonusView, 'Your bonus account'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: view(storedAccount(await getBonusAccount(db, request.params.userId))),
    }),
  );

  app.put(
    '/api/v1/bonus/add/:userId',
    {
      config: { access: { service: 'app-adv' } },
      preValidation: requireIdempotencyKey,
      schema: {
        tags: ['bonus'],
        summary: `Accrue round_half_up(sum × ${percent} / 100) for a purchase of sum (internal: app-adv)`,
        params: UserIdParams,
        headers: IdempotencyKeyHeader,
        body: Type.Object({ sum: PositiveInt(MAX_SUM, 'the purchase amount') }),
        response: {
          200: Ok(BonusView, 'The bonus account after the accrual'),
          ...errorResponses(400, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const outcome = await accrue(
        db,
        { userId: request.params.userId, key: idempotencyKeyOf(request), sum: request.body.sum, percent },
        storedAccount,
      );
      return idempotentResponse(reply, { ...outcome, response: view(outcome.response) });
    },
  );

  app.put(
    '/api/v1/bonus/rollback/:userId',
    {
      config: { access: { service: 'app-adv' } },
      preValidation: requireIdempotencyKey,
      schema: {
        tags: ['bonus'],
        summary: 'Reverse the accrual made with this key (internal: app-adv); nothing to reverse → unchanged',
        params: UserIdParams,
        headers: IdempotencyKeyHeader,
        response: {
          200: Ok(BonusView, 'The bonus account after the reversal'),
          ...errorResponses(400, 403, 404, 409),
        },
      },
    },
    async (request) => ({
      success: true as const,
      data: view(
        storedAccount(
          await reverseAccrual(db, { userId: request.params.userId, key: idempotencyKeyOf(request) }),
        ),
      ),
    }),
  );
}
