import { randomUUID } from 'node:crypto';
import { RedisKeyValueStore } from '../kv/redis-store.js';

/**
 * A store on the test Redis (TEST_REDIS_URL) under a prefix no other test uses, as the replicas of
 * one service share it in the distributed mode; undefined, with a visible line, when it is not set.
 */
export function testRedisStore(what: string): RedisKeyValueStore | undefined {
  const url = process.env.TEST_REDIS_URL;
  if (!url) {
    console.warn(`[skip] ${what}: TEST_REDIS_URL is not set`);
    return undefined;
  }
  return new RedisKeyValueStore(url, `test-${randomUUID()}:`);
}
