import { IDEMPOTENCY_KEY_HEADER } from '@adboard/contracts';
import { ServiceCallError, type ServiceClient, type ServiceResponse } from '@adboard/kit';
import type { CallOutcome, Partners } from '../domain/ports.js';
import { callKeyOf, type Purchase } from '../domain/purchase.js';

const SETTLE_MARGIN_MS = 1_000; // clock skew between the services

function reasonOf(response: ServiceResponse): string {
  const errors = (response.body as { errors?: ({ text?: string } | string)[] } | undefined)?.errors;
  const first = errors?.[0];
  return `${response.status} ${typeof first === 'string' ? first : (first?.text ?? '')}`.trim();
}

/**
 * Only the partner's business answer (400, e.g. not enough money) refuses a step. A refused
 * credential (401/403: a key not yet rolled out, a clock too far off) says nothing about the
 * purchase: like a 409, 429 or 5xx it is retried, and the callee counts it for the alert.
 */
function isRefusal(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 409, 429].includes(status);
}

async function outcomeOf(call: () => Promise<ServiceResponse>, timeoutMs: number): Promise<CallOutcome> {
  const settlesAt = new Date(Date.now() + timeoutMs + SETTLE_MARGIN_MS);
  try {
    const response = await call();
    if (response.status === 200) return { kind: 'done' };
    if (isRefusal(response.status)) return { kind: 'refused', reason: reasonOf(response) };
    return { kind: 'uncertain', reason: reasonOf(response), settlesAt };
  } catch (error) {
    if (error instanceof ServiceCallError) return { kind: 'uncertain', reason: error.message, settlesAt };
    throw error;
  }
}

export function httpPartners(billing: ServiceClient, bonus: ServiceClient, timeoutMs: number): Partners {
  const send = (
    client: ServiceClient,
    path: string,
    purchase: Purchase,
    body?: unknown,
    userToken?: string,
  ) =>
    outcomeOf(
      () =>
        client.request('PUT', `${path}/${purchase.userId}`, {
          headers: { [IDEMPOTENCY_KEY_HEADER]: callKeyOf(purchase) },
          timeoutMs,
          ...(body === undefined ? {} : { body }),
          ...(userToken ? { userToken } : {}),
        }),
      timeoutMs,
    );
  return {
    accrueBonus: (purchase, userToken) =>
      send(bonus, '/api/v1/bonus/add', purchase, { sum: purchase.cost }, userToken),
    reverseBonus: (purchase) => send(bonus, '/api/v1/bonus/rollback', purchase),
    pay: (purchase, userToken) =>
      send(billing, '/api/v1/account/pay', purchase, { sum: purchase.cost }, userToken),
  };
}
