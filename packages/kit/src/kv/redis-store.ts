import { Redis, ReplyError } from 'ioredis';
import { ServiceUnavailableError } from '../http/errors.js';
import type { Logger } from '../logger.js';
import type { KeyValueStore } from './types.js';

/** Redis could not be reached: nothing is known to have changed. */
export class KeyValueStoreUnavailableError extends ServiceUnavailableError {
  constructor(cause: unknown) {
    super();
    this.name = 'KeyValueStoreUnavailableError';
    this.message = `session store unavailable: ${(cause as Error)?.message ?? String(cause)}`;
    this.cause = cause;
  }
}

/** `decrement` in one step: DECR alone would create a counter without expiry when it has expired. */
const DECREMENT_LIVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local count = redis.call('DECR', KEYS[1])
if count <= 0 then redis.call('DEL', KEYS[1]) end
return count`;

/**
 * The distributed mode's store: Redis, where expiry is Redis's own. While Redis is unreachable
 * every command fails fast with KeyValueStoreUnavailableError (a 503), the outage is logged when
 * it starts and when it ends, and the client reconnects by itself.
 */
export class RedisKeyValueStore implements KeyValueStore {
  readonly redis: Redis;
  private unavailableSince?: number;

  constructor(
    url: string,
    private readonly prefix = '',
    private readonly logger?: Logger,
  ) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.redis.on('error', () => undefined); // reconnects on its own; failed commands report the outage
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.observe(() => this.redis.set(this.prefix + key, value, 'EX', ttlSeconds));
  }

  get(key: string): Promise<string | null> {
    return this.observe(() => this.redis.get(this.prefix + key));
  }

  getAndTouch(key: string, ttlSeconds: number): Promise<string | null> {
    return this.observe(() => this.redis.getex(this.prefix + key, 'EX', ttlSeconds));
  }

  async delete(key: string): Promise<void> {
    await this.observe(() => this.redis.del(this.prefix + key));
  }

  async increment(key: string, windowSeconds: number): Promise<{ count: number; resetInSeconds: number }> {
    const full = this.prefix + key;
    const results = await this.observe(() =>
      this.redis.multi().incr(full).expire(full, windowSeconds, 'NX').ttl(full).exec(),
    );
    if (!results) throw new Error('redis transaction aborted');
    const [[incrError, count], , [, ttl]] = results as [
      [Error | null, number],
      unknown,
      [Error | null, number],
    ];
    if (incrError) throw incrError;
    return { count, resetInSeconds: Math.max(ttl, 1) };
  }

  async decrement(key: string): Promise<void> {
    await this.observe(() => this.redis.eval(DECREMENT_LIVE, 1, this.prefix + key));
  }

  async ping(): Promise<void> {
    await this.observe(() => this.redis.ping());
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Runs a command; a failure that is not Redis's answer to it means Redis could not be reached. */
  private async observe<T>(command: () => Promise<T>): Promise<T> {
    try {
      const result = await command();
      if (this.unavailableSince !== undefined) {
        this.logger?.info({ downMs: Date.now() - this.unavailableSince }, 'Redis is available again');
        this.unavailableSince = undefined;
      }
      return result;
    } catch (error) {
      if (error instanceof ReplyError) throw error;
      if (this.unavailableSince === undefined) {
        this.unavailableSince = Date.now();
        this.logger?.error({ err: error }, 'Redis is unavailable; requests that need it answer 503');
      }
      throw new KeyValueStoreUnavailableError(error);
    }
  }
}
