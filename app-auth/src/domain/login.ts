import { BusinessError } from '@adboard/kit';
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
  deps: { users: UserDirectory; sessions: Sessions; limiter: LoginLimiter },
  attempt: LoginAttempt,
): Promise<string> {
  await deps.limiter.admit(attempt.username);
  const owner = await deps.users.checkCredentials(attempt.username, attempt.password).catch(async (error) => {
    if (error instanceof BusinessError) await deps.limiter.recordFailure(attempt.username);
    throw error;
  });
  await deps.sessions.end(attempt.previousSessionId);
  return deps.sessions.start(owner);
}
