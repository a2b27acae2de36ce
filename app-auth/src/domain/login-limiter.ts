import { systemClock, TooManyRequestsError, type Clock, type KeyValueStore } from '@adboard/kit';

export interface LoginLockout {
  /** Failed logins of one username within the window that lock it. */
  failures: number;
  windowSeconds: number;
}

export const TOO_MANY_LOGINS = 'Too many login attempts, try again later';

/**
 * The lock-out rule against guessing one account's password: once a username has `failures`
 * failed logins within a window (counted from its first failure), every login for it answers 429
 * until the window ends — even with the right password, or the lock would tell a guesser when they
 * hit it. Successful logins do not count. Usernames are matched exactly, as they are case-sensitive.
 * (Guessing across accounts is slowed by the per-address rate limit on the route.)
 */
export class LoginLimiter {
  constructor(
    private readonly store: KeyValueStore,
    private readonly lockout: LoginLockout,
    private readonly clock: Clock = systemClock,
  ) {}

  async admit(username: string): Promise<void> {
    const lockedUntil = Number(await this.store.get(this.lockKey(username)));
    const retryAfter = Math.ceil((lockedUntil - this.clock.now()) / 1000);
    if (retryAfter > 0) throw new TooManyRequestsError(TOO_MANY_LOGINS, retryAfter);
  }

  async recordFailure(username: string): Promise<void> {
    const { count, resetInSeconds } = await this.store.increment(
      `login:failures:${username}`,
      this.lockout.windowSeconds,
    );
    if (count >= this.lockout.failures) {
      const until = this.clock.now() + resetInSeconds * 1000;
      await this.store.set(this.lockKey(username), String(until), resetInSeconds);
    }
  }

  private lockKey(username: string): string {
    return `login:locked:${username}`;
  }
}
