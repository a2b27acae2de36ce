import { randomUUID } from 'node:crypto';
import { USER_TOPIC, USER_TOKEN_HEADER } from '@adboard/contracts';
import type { EventMessage } from '../events/types.js';
import type { TestAuthority } from './authority.js';
import { call } from './http.js';
import type { TestService } from './service.js';
import { waitFor } from './wait.js';

let nextUserId = 1000 + Math.floor(Math.random() * 1000) * 1000;

/** A `user.event` as app-user publishes it. */
export function userEvent(id: unknown, action = 'create', eventId: string = randomUUID()): EventMessage {
  return {
    id: eventId,
    type: 'user.created',
    source: 'app-user',
    time: new Date().toISOString(),
    topic: USER_TOPIC.name,
    key: String(id),
    payload: { action, id, username: `u${String(id)}`, email: `u${String(id)}@mail.ru` },
  };
}

/** A user whose account at `path` (e.g. `/api/v1/account`) was opened from a `user.event`, with a token. */
export async function userWithAccount(app: TestService, authority: TestAuthority, path: string) {
  const id = nextUserId++;
  await app.ports.bus!.publish([userEvent(id)]);
  const token = await authority.tokenFor({ id });
  await waitFor(
    async () =>
      (await call(app.url, 'GET', `${path}/${id}`, { headers: { [USER_TOKEN_HEADER]: token } })).status ===
      200,
    {
      what: `account of user ${id}`,
    },
  );
  return { id, token };
}
