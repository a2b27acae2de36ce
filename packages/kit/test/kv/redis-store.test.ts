import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../src/http/errors.js';
import { RedisKeyValueStore } from '../../src/kv/redis-store.js';
import { TcpRelay } from '../../src/testing/tcp-relay.js';
import { waitFor } from '../../src/testing/wait.js';
import { keyValueStoreContract } from './kv-contract.js';

const url = process.env.TEST_REDIS_URL;
if (!url) console.warn('[skip] Redis adapter contract tests: TEST_REDIS_URL is not set');

keyValueStoreContract('Redis', () => new RedisKeyValueStore(url!, 'test:'), { skip: !url });

describe.skipIf(!url)('Redis store when Redis goes away', () => {
  it('fails commands with a 503 while Redis is unreachable and works again once it is back', async () => {
    const target = new URL(url!);
    const relay = await TcpRelay.start({ host: target.hostname, port: Number(target.port || 6379) });
    const store = new RedisKeyValueStore(`redis://127.0.0.1:${relay.port}`, 'outage-test:');
    try {
      await store.set('k', 'before', 60);
      await relay.cut();
      const started = Date.now();
      await expect(store.get('k')).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(store.ping()).rejects.toBeInstanceOf(ServiceUnavailableError);
      expect(Date.now() - started).toBeLessThan(5_000); // failing, not hanging
      await relay.restore();
      expect(await waitFor(() => store.get('k').catch(() => undefined), { what: 'Redis to be back' })).toBe(
        'before',
      );
    } finally {
      await store.delete('k').catch(() => undefined);
      await store.close();
      await relay.cut();
    }
  });
});
