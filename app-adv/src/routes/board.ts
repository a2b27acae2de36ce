import {
  errorResponses,
  Ok,
  pageOf,
  rateLimited,
  Type,
  type HttpServer,
  type RouteRateLimit,
} from '@adboard/kit';
import { BOARD_DEPTH, boardOf } from '../domain/board.js';
import type { BoardStore } from '../domain/ports.js';
import { BoardItemView, BoardQuery } from './schemas.js';

export interface BoardRouteDeps {
  board: BoardStore;
  /** Board reads one client address may make in a window (429 beyond). */
  readsPerAddress: RouteRateLimit;
}

/** `GET /api/v1/board`: public, no session needed (the entry point's route rules say so too). */
export function boardRoutes(app: HttpServer, deps: BoardRouteDeps): void {
  app.get(
    '/api/v1/board',
    {
      config: { access: 'public', ...rateLimited(deps.readsPerAddress) },
      schema: {
        tags: ['board'],
        summary: 'The public board: every user’s active advertisements, newest first',
        description:
          'No session needed. `page` from 1, `limit` up to 100 (default 20); `q` keeps the advertisements ' +
          'whose title or text contains every word of `q` as a word, case-insensitive. Pages reach the newest ' +
          `${BOARD_DEPTH} matches (page × limit ≤ ${BOARD_DEPTH}; deeper is 400 on \`page\`, saying the last page ` +
          'for this limit); `before=<the last id of a page>` gives the next page at any depth. Rate limited ' +
          'per client address (429 with Retry-After); a read that takes too long is 503.',
        querystring: BoardQuery,
        response: {
          200: Ok(Type.Array(BoardItemView), 'A page of the board (an empty list past the last page)'),
          ...errorResponses(400, 429, 503),
        },
      },
    },
    async (request) => ({
      success: true as const,
      data: await boardOf(deps.board, {
        ...pageOf(request.query, 20),
        ...(request.query.q === undefined ? {} : { query: request.query.q }),
        ...(request.query.before === undefined ? {} : { before: request.query.before }),
      }),
    }),
  );
}
