import {
  errorResponses,
  Ok,
  PageQuery,
  pageOf,
  Timestamp,
  Type,
  UserIdParams,
  type Database,
  type HttpServer,
} from '@adboard/kit';
import { NotificationRepository } from '../data/notification-repository.js';

const NotificationView = Type.Object({
  userId: Type.Integer(),
  email: Type.String(),
  text: Type.String(),
  createdAt: Timestamp(),
});

export function notificationRoutes(app: HttpServer, db: Database): void {
  app.get(
    '/api/v1/notification/:userId',
    {
      config: { access: 'self' },
      schema: {
        tags: ['notifications'],
        summary: 'Your notifications, oldest first (page from 1, limit up to 1000, default 100)',
        params: UserIdParams,
        querystring: PageQuery(1000, 100, 'notifications'),
        response: {
          200: Ok(Type.Array(NotificationView), 'A page of your notifications'),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => ({
      success: true as const,
      data: await new NotificationRepository(db).forUser(request.params.userId, pageOf(request.query, 100)),
    }),
  );
}
