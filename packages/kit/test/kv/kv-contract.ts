import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/kv/types.js';
import { waitFor } from '../../src/testing/wait.js';

/** The behaviour every KeyValueStore adapter must show; run against each adapter. */
export function keyValueStoreContract(
  name: string,
  makeStore: () => KeyValueStore,
  options: { skip?: boolean } = {},
) {
  describe.skipIf(options.skip === true)(`KeyValueStore contract: ${name}`, () => {
    let store: KeyValueStore;
    let key: string;
    beforeEach(() => {
      store = makeStore();
      key = `contract:${randomUUID()}`;
    });
    afterEach(() => store.close());

    it('stores, reads and deletes a value', async () => {
      expect(await store.get(key)).toBeNull();
      await store.set(key, 'value', 60);
      expect(await store.get(key)).toBe('value');
      await store.delete(key);
      expect(await store.get(key)).toBeNull();
    });

    it('forgets a value when it expires', async () => {
      await store.set(key, 'short-lived', 1);
      expect(await store.get(key)).toBe('short-lived');
      await waitFor(async () => (await store.get(key)) === null, {
        timeoutMs: 3_000,
        intervalMs: 100,
        what: 'expiry',
      });
    });

    it('restarts the expiry on getAndTouch (sliding window)', async () => {
      await store.set(key, 'session', 1);
      expect(await store.getAndTouch(key, 60)).toBe('session');
      const start = Date.now();
      while (Date.now() - start < 1_500) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await store.get(key)).toBe('session');
      expect(await store.getAndTouch(`${key}:absent`, 60)).toBeNull();
    });

    it('counts increments within a window and starts over after it', async () => {
      expect(await store.increment(key, 1)).toMatchObject({ count: 1 });
      expect(await store.increment(key, 1)).toMatchObject({ count: 2 });
      const { resetInSeconds } = await store.increment(key, 1);
      expect(resetInSeconds).toBeGreaterThanOrEqual(1);
      await waitFor(async () => (await store.get(key)) === null, {
        timeoutMs: 3_000,
        intervalMs: 100,
        what: 'window end',
      });
      expect(await store.increment(key, 1)).toMatchObject({ count: 1 });
    });

    it('counts concurrent increments exactly', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => store.increment(key, 60)));
      expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });

    it('takes an increment back, and forgets the counter at zero', async () => {
      await store.increment(key, 60);
      await store.increment(key, 60);
      await store.decrement(key);
      expect(await store.increment(key, 60)).toMatchObject({ count: 2 });
      await store.decrement(key);
      await store.decrement(key);
      expect(await store.get(key)).toBeNull();
      expect(await store.increment(key, 60)).toMatchObject({ count: 1 });
    });

    it('keeps the window of a counter it takes an increment from', async () => {
      await store.increment(key, 1);
      await store.increment(key, 1);
      await store.decrement(key);
      await waitFor(async () => (await store.get(key)) === null, {
        timeoutMs: 3_000,
        intervalMs: 100,
        what: 'window end',
      });
    });

    it('leaves an absent or expired counter alone on decrement (creates nothing)', async () => {
      await store.decrement(key);
      expect(await store.get(key)).toBeNull();
      await store.increment(key, 1);
      await waitFor(async () => (await store.get(key)) === null, {
        timeoutMs: 3_000,
        intervalMs: 100,
        what: 'window end',
      });
      await store.decrement(key);
      expect(await store.get(key)).toBeNull();
      expect(await store.increment(key, 60)).toMatchObject({ count: 1 });
    });

    it('counts concurrent increments and decrements exactly', async () => {
      await Promise.all(Array.from({ length: 30 }, () => store.increment(key, 60)));
      await Promise.all([
        ...Array.from({ length: 20 }, () => store.increment(key, 60)),
        ...Array.from({ length: 25 }, () => store.decrement(key)),
      ]);
      expect(await store.increment(key, 60)).toMatchObject({ count: 26 });
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
