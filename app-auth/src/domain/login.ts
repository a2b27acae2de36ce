import { BusinessError, type UserClaims } from '@adboard/kit';
import type { UserDirectory } from '../data/user-directory.js';
import type { LoginLimiter } from './login-limiter.js';
import type { Sessions } from './sessions.js';

export interface LoginAttempt {
  username: string;
  password: string;
  /** The session the client had, if any: it ends, so a login always gets a fresh id. */
  previousSessionId?: string;
}

export async function logIn(
  deps: { users: Pick<UserDirectory, 'checkCredentials'>; sessions: Sessions; limiter: LoginLimiter },
  attempt: LoginAttempt,
): Promise<string> {
  // Counted before the (slow) password check, so parallel guesses cannot all find the username unlocked.
  await deps.limiter.reserve(attempt.username);
  let owner: UserClaims;
  try {
    owner = await deps.users.checkCredentials(attempt.username, attempt.password);
  } catch (error) {
    // A wrong password stays counted; an app-user that did not answer checked nothing.
    if (!(error instanceof BusinessError)) await deps.limiter.giveBack(attempt.username);
    throw error;
  }
  await deps.limiter.giveBack(attempt.username);
  await deps.sessions.end(attempt.previousSessionId);
  return deps.sessions.start(owner);
}
