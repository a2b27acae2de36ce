import { REPLAYED_HEADER, USER_TOKEN_HEADER } from '@adboard/contracts';
import {
  currentUser,
  errorResponses,
  freshKeyRoute,
  IdempotencyKeyHeader,
  idempotencyKeyOf,
  PageQuery,
  pageOf,
  Ok,
  rateLimited,
  requireIdempotencyKey,
  Type,
  type HttpServer,
  type RouteRateLimit,
} from '@adboard/kit';
import { advertisementOf, advertisementsOf, purchaseProgressOf } from '../domain/advertisements.js';
import type { Storage } from '../domain/ports.js';
import type { Checkout } from '../saga/checkout.js';
import {
  AdvertisementIdParams,
  AdvertisementView,
  NewAdvertisement,
  PurchaseProgressView,
} from './schemas.js';

export interface AdvertisementRouteDeps {
  storage: Storage;
  checkout: Checkout;
  /** Purchases one user may start in a window (429 beyond). */
  purchasesPerUser: RouteRateLimit;
}

const tags = ['advertisements'];

export function advertisementRoutes(app: HttpServer, deps: AdvertisementRouteDeps): void {
  const { storage, checkout } = deps;

  freshKeyRoute(app, '/api/v1/adv/uuid', tags);

  app.post(
    '/api/v1/adv/create',
    {
      preValidation: requireIdempotencyKey,
      config: { access: 'user', ...rateLimited(deps.purchasesPerUser) },
      schema: {
        tags,
        summary:
          'Buy an advertisement: 200 active (paid, bonus accrued); 400 with the failure text; 202 pending when the purchase ' +
          'takes longer than the time budget — repeat with the same key for the outcome; 409 while it runs; ' +
          '429 with Retry-After beyond the per-user limit',
        description:
          'The price is the number of characters of `text` (Unicode code points). The author shown on the board is ' +
          'the username of the token. A repeat with the same key after success replays the advertisement; after a ' +
          'failure it buys again. Follow a 202 with `GET /api/v1/adv/{id}/purchase` or a repeat with the same key.',
        headers: IdempotencyKeyHeader,
        body: NewAdvertisement,
        response: {
          200: Ok(AdvertisementView, 'Bought: paid, bonus accrued, the advertisement active'),
          202: Ok(
            AdvertisementView,
            'Still pending after the time budget (PURCHASE_TIME_BUDGET_MS): the purchase goes on in the background',
          ),
          ...errorResponses(400, 401, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const { outcome, advertisement } = await checkout.buy(
        {
          userId: user.id,
          username: user.username,
          email: user.email,
          key: idempotencyKeyOf(request),
          ...request.body,
        },
        request.headers[USER_TOKEN_HEADER] as string | undefined,
      );
      if (outcome === 'replayed') reply.header(REPLAYED_HEADER, 'true');
      if (outcome === 'pending') reply.code(202);
      return { success: true as const, data: advertisement };
    },
  );

  app.get(
    '/api/v1/adv/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'One of your advertisements',
        params: AdvertisementIdParams,
        response: { 200: Ok(AdvertisementView, 'The advertisement'), ...errorResponses(401, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await advertisementOf(storage, currentUser(request).id, request.params.id),
    }),
  );

  app.get(
    '/api/v1/adv',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Your advertisements, newest first (page from 1, limit up to 100, default 20)',
        querystring: PageQuery(100, 20, 'advertisements'),
        response: { 200: Ok(Type.Array(AdvertisementView), 'A page of them'), ...errorResponses(400, 401) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await advertisementsOf(storage, currentUser(request).id, pageOf(request.query, 20)),
    }),
  );

  app.get(
    '/api/v1/adv/:id/purchase',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'How the purchase of your advertisement went, step by step, as the saga stored it',
        description:
          '`status` is the advertisement’s. Steps: bonus accrual, payment, bonus reversal, activation, ' +
          'notification; outcomes: done, refused, retrying, compensated. Poll it to show a pending purchase progress. ' +
          'The steps of a purchase that ended are kept PURCHASE_STEPS_RETENTION_DAYS (default 30) days; after that ' +
          '`steps` is empty and `status` alone tells the outcome.',
        params: AdvertisementIdParams,
        response: {
          200: Ok(PurchaseProgressView, 'The newest purchase attempt of the advertisement'),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request) => ({
      success: true as const,
      data: await purchaseProgressOf(storage, currentUser(request).id, request.params.id),
    }),
  );
}
