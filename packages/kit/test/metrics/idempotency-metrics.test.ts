import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeIdempotency, withIdempotency } from '../../src/idempotency/keys.js';
import { Registry } from '../../src/metrics.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';
import { waitFor } from '../../src/testing/wait.js';
import { sampleOf } from './sample.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('idempotency key outcomes', () => {
  it('are 0 when idle, then count applied, replayed, in-flight (409) and reused (422) keys', async () => {
    const registry = new Registry();
    observeIdempotency(database.db, registry);
    const outcome = (name: string) => sampleOf(registry, 'idempotency_key_outcomes_total', { outcome: name });
    for (const name of ['applied', 'replayed', 'in_flight', 'reused']) expect(await outcome(name)).toBe(0);

    const request = { scope: 'account:1', key: 'k1', fingerprint: 'a' };
    await withIdempotency(database.db, request, async () => 'done');
    await withIdempotency(database.db, request, async () => 'again');
    await expect(
      withIdempotency(database.db, { ...request, fingerprint: 'b' }, async () => 'other'),
    ).rejects.toMatchObject({ statusCode: 422 });

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const slow = withIdempotency(database.db, { ...request, key: 'k2' }, async () => {
      started = true;
      await held;
      return 'slow';
    });
    await waitFor(() => started, { what: 'the first request to hold its key' });
    await expect(
      withIdempotency(database.db, { ...request, key: 'k2' }, async () => 'fast'),
    ).rejects.toMatchObject({ statusCode: 409 });
    release();
    await slow;

    expect(await outcome('applied')).toBe(2);
    expect(await outcome('replayed')).toBe(1);
    expect(await outcome('reused')).toBe(1);
    expect(await outcome('in_flight')).toBe(1);
  });
});
