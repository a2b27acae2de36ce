import {
  BusinessError,
  currentUser,
  freshKeyRoute,
  IdempotencyKeyHeader,
  idempotencyKeyOf,
  PageQuery,
  pageOf,
  Ok,
  REPLAYED_HEADER,
  rateLimited,
  requireIdempotencyKey,
  Type,
  USER_TOKEN_HEADER,
  type Database,
  type Guards,
  type HttpServer,
  type RouteRateLimit,
} from '@adboard/kit';
import { PurchaseRepository } from '../data/purchase-repository.js';
import { failureTexts } from '../domain/purchase.js';
import type { PurchaseSaga } from '../domain/purchase-saga.js';
import { advertisementOf, advertisementsOf, startPurchase } from '../domain/purchases.js';
import { AdvertisementIdParams, AdvertisementView, NewAdvertisement } from './schemas.js';

export interface AdvertisementRouteDeps {
  db: Database;
  guards: Guards;
  saga: PurchaseSaga;
  runner: { owner: string; leaseMs: number };
  /** How long a purchase request waits for its saga before answering 202. */
  budgetMs: number;
  /** Purchases one user may start in a window (429 beyond). */
  purchasesPerUser: RouteRateLimit;
}

const errors = { '4xx': { $ref: 'ErrorEnvelope#' } };
const asUser = [{ userToken: [] }];

/** `promise`'s value, or undefined if it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function advertisementRoutes(app: HttpServer, deps: AdvertisementRouteDeps): void {
  const { db, guards, saga } = deps;

  freshKeyRoute(app, '/api/v1/adv/uuid', guards.user);

  app.post(
    '/api/v1/adv/create',
    {
      onRequest: guards.user,
      preValidation: requireIdempotencyKey,
      config: rateLimited(deps.purchasesPerUser),
      schema: {
        summary:
          'Buy an advertisement: 200 active (paid, bonus accrued); 400 with the failure text; 202 pending when the purchase ' +
          'takes longer than the time budget — repeat with the same key for the outcome; 409 while it runs; ' +
          '429 with Retry-After beyond the per-user limit',
        security: asUser,
        headers: IdempotencyKeyHeader,
        body: NewAdvertisement,
        response: { 200: Ok(AdvertisementView), 202: Ok(AdvertisementView), ...errors },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const started = await startPurchase(
        db,
        { userId: user.id, email: user.email, key: idempotencyKeyOf(request), ...request.body },
        deps.runner,
      );
      if (started.kind === 'replay') {
        reply.header(REPLAYED_HEADER, 'true');
        return {
          success: true as const,
          data: await advertisementOf(db, user.id, started.purchase.advertisementId),
        };
      }
      const token = request.headers[USER_TOKEN_HEADER] as string | undefined;
      const purchase =
        (await within(saga.drive(started.purchase.id, token), deps.budgetMs)) ??
        (await new PurchaseRepository(db).byId(started.purchase.id))!;
      if (purchase.state === 'failed')
        throw new BusinessError(failureTexts[purchase.failure ?? 'advertisement']);
      if (purchase.state !== 'succeeded') reply.code(202);
      return { success: true as const, data: await advertisementOf(db, user.id, purchase.advertisementId) };
    },
  );

  app.get(
    '/api/v1/adv/:id',
    {
      onRequest: guards.user,
      schema: {
        summary: 'One of your advertisements',
        security: asUser,
        params: AdvertisementIdParams,
        response: { 200: Ok(AdvertisementView), ...errors },
      },
    },
    async (request) => ({
      success: true,
      data: await advertisementOf(db, currentUser(request).id, request.params.id),
    }),
  );

  app.get(
    '/api/v1/adv',
    {
      onRequest: guards.user,
      schema: {
        summary: 'Your advertisements, newest first (page from 1, limit up to 100, default 20)',
        security: asUser,
        querystring: PageQuery(100, 20, 'advertisements'),
        response: { 200: Ok(Type.Array(AdvertisementView)), ...errors },
      },
    },
    async (request) => ({
      success: true,
      data: await advertisementsOf(db, currentUser(request).id, pageOf(request.query, 20)),
    }),
  );
}
