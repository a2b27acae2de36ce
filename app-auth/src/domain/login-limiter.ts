import { TooManyRequestsError, type KeyValueStore } from '@adboard/kit';

export interface LoginLimits {
  perUsername: number;
  perAddress: number;
  windowSeconds: number;
}

/**
 * Counts login attempts in a fixed window, per username (slows password guessing against one
 * account) and per client address (slows guessing across accounts). Over either limit → 429.
 */
export class LoginLimiter {
  constructor(
    private readonly store: KeyValueStore,
    private readonly limits: LoginLimits,
  ) {}

  async admit(username: string, address: string): Promise<void> {
    const window = this.limits.windowSeconds;
    const [byUser, byAddress] = await Promise.all([
      this.store.increment(`login:username:${username.toLowerCase()}`, window),
      this.store.increment(`login:address:${address}`, window),
    ]);
    const over = [
      byUser.count > this.limits.perUsername ? byUser.resetInSeconds : 0,
      byAddress.count > this.limits.perAddress ? byAddress.resetInSeconds : 0,
    ];
    const retryAfter = Math.max(...over);
    if (retryAfter > 0)
      throw new TooManyRequestsError('Too many login attempts, try again later', retryAfter);
  }
}
