import { ORDER_TOPIC } from '@adboard/contracts';
import { eventOn, type NewEvent } from '@adboard/kit';
import type { Purchase } from '../domain/purchase.js';

/** `order.event`: the outcome of one purchase attempt, which app-notify turns into a notification. */
export function purchaseOutcome(purchase: Purchase, outcome: 'succeeded' | 'failed', text: string): NewEvent {
  return eventOn(ORDER_TOPIC, {
    type: `order.${outcome}`,
    key: String(purchase.userId),
    payload: {
      userId: purchase.userId,
      email: purchase.email,
      text,
      advertisementId: purchase.advertisementId,
      purchaseId: purchase.id,
      cost: purchase.cost,
      outcome,
    },
  });
}
