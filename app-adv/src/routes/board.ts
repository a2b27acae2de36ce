import { errorResponses, Ok, pageOf, Type, type HttpServer } from '@adboard/kit';
import { boardOf } from '../domain/advertisements.js';
import type { Storage } from '../domain/ports.js';
import { BoardItemView, BoardQuery } from './schemas.js';

/** `GET /api/v1/board`: public, no session needed (the entry point's route rules say so too). */
export function boardRoutes(app: HttpServer, deps: { storage: Storage }): void {
  app.get(
    '/api/v1/board',
    {
      config: { access: 'public' },
      schema: {
        tags: ['board'],
        summary: 'The public board: every user’s active advertisements, newest first',
        description:
          'No session needed. `page` from 1, `limit` up to 100 (default 20); `q` keeps the advertisements ' +
          'whose title or text contains every word of `q` as a word, case-insensitive.',
        querystring: BoardQuery,
        response: {
          200: Ok(Type.Array(BoardItemView), 'A page of the board (an empty list past the last page)'),
          ...errorResponses(400),
        },
      },
    },
    async (request) => ({
      success: true as const,
      data: await boardOf(deps.storage, pageOf(request.query, 20), request.query.q),
    }),
  );
}
