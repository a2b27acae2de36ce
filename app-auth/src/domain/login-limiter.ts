import { TooManyRequestsError, type KeyValueStore } from '@adboard/kit';

export interface LoginLockout {
  /** Failed logins of one username within the window that lock it. */
  failures: number;
  windowSeconds: number;
}

export const TOO_MANY_LOGINS = 'Too many login attempts, try again later';

/**
 * The lock-out rule against guessing one account's password: once a username has `failures`
 * failed logins within a window, every login for it answers 429 until the window ends — even with
 * the right password, or the lock would tell a guesser when they hit it. Successful logins do not
 * count. Usernames are matched exactly, as they are case-sensitive. (Guessing across accounts is
 * slowed by the per-address rate limit on the route.)
 *
 * Each attempt is counted atomically before its password is checked, so no interleaving of
 * parallel guesses gets more than `failures` checks in a window: the counter holds the failures
 * plus the attempts being checked, an attempt beyond the limit is refused without a check (also
 * while that many are being checked at once), and one that did not fail — a success, or app-user
 * did not answer — is taken back. The window opens with the first attempt counted when the counter
 * was empty; a counter that only ever held successes is gone once they are taken back.
 */
export class LoginLimiter {
  constructor(
    private readonly store: KeyValueStore,
    private readonly lockout: LoginLockout,
  ) {}

  /** Takes the attempt's place under the limit before its password is checked, or refuses it (429). */
  async reserve(username: string): Promise<void> {
    const { count, resetInSeconds } = await this.store.increment(
      this.key(username),
      this.lockout.windowSeconds,
    );
    if (count > this.lockout.failures) {
      await this.giveBack(username);
      throw new TooManyRequestsError(TOO_MANY_LOGINS, resetInSeconds);
    }
  }

  /** Takes back the place of an attempt that did not fail: it succeeded, or no password was checked. */
  async giveBack(username: string): Promise<void> {
    await this.store.decrement(this.key(username));
  }

  /** The key the lock-out always counted failures under, so a rolling update keeps the locks there are. */
  private key(username: string): string {
    return `login:failures:${username}`;
  }
}
