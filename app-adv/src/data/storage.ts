import { enqueueEvent, type Database, type Queryable } from '@adboard/kit';
import type { Storage } from '../domain/ports.js';
import { AdvertisementRepository } from './advertisement-repository.js';
import { PurchaseRepository } from './purchase-repository.js';

function storageOn(db: Queryable, transaction: Storage['transaction']): Storage {
  return {
    purchases: new PurchaseRepository(db),
    advertisements: new AdvertisementRepository(db),
    enqueue: async (event) => void (await enqueueEvent(db, event)),
    transaction,
  };
}

/** app-adv's storage on PostgreSQL; inside a transaction, a nested `transaction` joins it. */
export function sqlStorage(db: Database): Storage {
  return storageOn(db, (work) =>
    db.transaction((tx) => {
      const inTransaction: Storage = storageOn(tx, (nested) => nested(inTransaction));
      return work(inTransaction);
    }),
  );
}
