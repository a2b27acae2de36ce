import {
  errorResponses,
  Ok,
  rateLimited,
  UserIdParams,
  type Database,
  type HttpServer,
  type RouteRateLimit,
} from '@adboard/kit';
import { checkCredentials, getUser, registerUser, updateProfile } from '../domain/users.js';
import { CredentialOwner, Credentials, ProfileChanges, Registration, UserView } from './schemas.js';

/** `registrations` limits the registrations per client address. */
export function userRoutes(app: HttpServer, db: Database, registrations: RouteRateLimit): void {
  app.post(
    '/api/v1/user/create',
    {
      config: { access: 'public', ...rateLimited(registrations) },
      schema: {
        tags: ['users'],
        summary: 'Register a user (public; 429 with Retry-After beyond the per-address limit)',
        body: Registration,
        response: { 200: Ok(UserView, 'The new user (never the password)'), ...errorResponses(400) },
      },
    },
    async (request) => ({ success: true as const, data: await registerUser(db, request.body) }),
  );

  app.get(
    '/api/v1/user/:userId',
    {
      config: { access: 'self' },
      schema: {
        tags: ['users'],
        summary: 'Read your profile',
        params: UserIdParams,
        response: { 200: Ok(UserView, 'Your profile'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ success: true as const, data: await getUser(db, request.params.userId) }),
  );

  app.put(
    '/api/v1/user/:userId',
    {
      config: { access: 'self' },
      schema: {
        tags: ['users'],
        summary: 'Change your profile; absent fields stay as they are',
        params: UserIdParams,
        body: ProfileChanges,
        response: { 200: Ok(UserView, 'Your profile as changed'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await updateProfile(db, request.params.userId, request.body),
    }),
  );

  app.post(
    '/api/v1/internal/credentials/check',
    {
      config: { access: { service: 'app-auth' } },
      schema: {
        tags: ['users'],
        summary: 'Check a username and password (internal: app-auth only)',
        body: Credentials,
        response: { 200: Ok(CredentialOwner, 'The owner of the credentials'), ...errorResponses(400, 403) },
      },
    },
    async (request) => {
      const user = await checkCredentials(db, request.body.username, request.body.password);
      return { success: true as const, data: { id: user.id, username: user.username, email: user.email } };
    },
  );
}
