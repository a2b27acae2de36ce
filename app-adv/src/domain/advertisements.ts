import { NotFoundError } from '@adboard/kit';
import type { Advertisement, AdvertisementStatus } from './advertisement.js';
import type { Storage } from './ports.js';
import type { PurchaseStep } from './purchase.js';

export async function advertisementOf(storage: Storage, userId: number, id: number): Promise<Advertisement> {
  const advertisement = await storage.advertisements.byId(id);
  if (!advertisement || advertisement.userId !== userId) throw new NotFoundError('Объявление не найдено');
  return advertisement;
}

export function advertisementsOf(
  storage: Storage,
  userId: number,
  page: { limit: number; offset: number },
): Promise<Advertisement[]> {
  return storage.advertisements.ofUser(userId, page);
}

/** How the purchase of the owner's advertisement went: its status and the newest attempt's steps. */
export async function purchaseProgressOf(
  storage: Storage,
  userId: number,
  id: number,
): Promise<{ status: AdvertisementStatus; steps: PurchaseStep[] }> {
  const advertisement = await advertisementOf(storage, userId, id);
  const purchase = await storage.purchases.latestForAdvertisement(advertisement.id);
  return {
    status: advertisement.status,
    steps: purchase ? await storage.purchases.stepsOf(purchase.id) : [],
  };
}
