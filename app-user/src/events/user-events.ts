import { USER_TOPIC } from '@adboard/contracts';
import { eventOn, type NewEvent } from '@adboard/kit';
import type { User } from '../domain/user.js';

/** `user.event` for a registration: billing and bonus open the user's accounts from it. */
export function userCreated(user: User): NewEvent {
  return eventOn(USER_TOPIC, {
    type: 'user.created',
    key: String(user.id),
    payload: {
      action: 'create',
      id: user.id,
      username: user.username,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
    },
  });
}
