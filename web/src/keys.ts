import { useRef } from 'react';

/** A random v4 UUID (crypto.randomUUID needs a secure context; getRandomValues does not). */
export function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The idempotency key of a money operation, one per attempt: the same key while the same request
 * is retried (after a network error, a 409, a 401 or a 5xx, whose outcome is unknown or nothing),
 * a new one for a different request or after the attempt succeeded — so a double click or a retry
 * never charges twice, and a second top-up is a second top-up.
 */
export function useAttemptKey() {
  const current = useRef<{ key: string; request: string } | null>(null);
  return {
    /** The key for this request (identified by its body). */
    keyFor(request: unknown): string {
      const id = JSON.stringify(request);
      if (!current.current || current.current.request !== id)
        current.current = { key: newKey(), request: id };
      return current.current.key;
    },
    /** The attempt is over (it succeeded, or the key was refused): the next request gets a new key. */
    finish(): void {
      current.current = null;
    },
  };
}
