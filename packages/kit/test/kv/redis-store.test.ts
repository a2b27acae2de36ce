import { RedisKeyValueStore } from '../../src/kv/redis-store.js';
import { keyValueStoreContract } from './kv-contract.js';

const url = process.env.TEST_REDIS_URL;
if (!url) console.warn('[skip] Redis adapter contract tests: TEST_REDIS_URL is not set');

keyValueStoreContract('Redis', () => new RedisKeyValueStore(url!, 'test:'), { skip: !url });
