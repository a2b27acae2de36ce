import type { Database } from '../db/database.js';
import { claimKey } from '../idempotency/keys.js';

/**
 * Holds (scope, key) the way a request still running does — claimed in a transaction that has not
 * committed — until `release()` rolls that transaction back.
 */
export async function holdIdempotencyKey(
  db: Database,
  scope: string,
  key: string,
): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let claimed!: (held: boolean) => void;
  const holding = new Promise<boolean>((resolve) => (claimed = resolve));
  const transaction = db
    .transaction(async (tx) => {
      claimed(await claimKey(tx, { scope, key, fingerprint: 'held by a test' }));
      await released;
      throw new Error('released'); // roll back: the held request never completes
    })
    .catch(() => undefined);
  if (!(await holding)) throw new Error(`${scope}/${key} is already claimed`);
  return {
    release: async () => {
      release();
      await transaction;
    },
  };
}
