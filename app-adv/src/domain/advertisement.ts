export type AdvertisementStatus = 'pending' | 'active' | 'failed';

export interface Advertisement {
  id: number;
  userId: number;
  title: string;
  text: string;
  cost: number;
  status: AdvertisementStatus;
  createdAt: string;
  updatedAt: string;
}

/** The price of an advertisement: one unit per character of its text, counted as Unicode code points. */
export function priceOf(text: string): number {
  return [...text].length;
}
