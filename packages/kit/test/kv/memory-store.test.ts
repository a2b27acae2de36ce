import { expect, it } from 'vitest';
import { InMemoryKeyValueStore } from '../../src/kv/memory-store.js';
import { keyValueStoreContract } from './kv-contract.js';

keyValueStoreContract('in-memory', () => new InMemoryKeyValueStore());

it('expires by the injected clock', async () => {
  let now = 1_000_000;
  const store = new InMemoryKeyValueStore({ now: () => now });
  await store.set('k', 'v', 600);
  now += 599_000;
  expect(await store.getAndTouch('k', 600)).toBe('v');
  now += 599_000;
  expect(await store.get('k')).toBe('v');
  now += 1_000;
  expect(await store.get('k')).toBeNull();
  await store.close();
});
