import { Redis } from 'ioredis';
import type { KeyValueStore } from './types.js';

/** The distributed mode's store: Redis, where expiry is Redis's own. */
export class RedisKeyValueStore implements KeyValueStore {
  readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix = '',
  ) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.redis.on('error', () => undefined); // reconnects on its own; callers see failed commands
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'EX', ttlSeconds);
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(this.prefix + key);
  }

  getAndTouch(key: string, ttlSeconds: number): Promise<string | null> {
    return this.redis.getex(this.prefix + key, 'EX', ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  async increment(key: string, windowSeconds: number): Promise<{ count: number; resetInSeconds: number }> {
    const full = this.prefix + key;
    const results = await this.redis.multi().incr(full).expire(full, windowSeconds, 'NX').ttl(full).exec();
    if (!results) throw new Error('redis transaction aborted');
    const [[incrError, count], , [, ttl]] = results as [
      [Error | null, number],
      unknown,
      [Error | null, number],
    ];
    if (incrError) throw incrError;
    return { count, resetInSeconds: Math.max(ttl, 1) };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
