import { ApiFailure } from './api';

/**
 * Repeats a request (with the same idempotency key) while the API answers 409 — the key's first
 * request is still running — until it answers otherwise or `attempts` run out.
 */
export async function retryWhileInFlight<T>(send: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof ApiFailure && error.status === 409) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 150 * attempt));
    }
  }
}
