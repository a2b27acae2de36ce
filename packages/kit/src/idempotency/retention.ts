import type { RetentionRule } from '../db/retention.js';

/**
 * Completed idempotency keys, kept `hours` (default 72; the contract asks for at least 24). The key
 * of a request still running is not committed yet, so no sweep sees it, however old.
 */
export function idempotencyKeyRetention(hours = 72): RetentionRule {
  return { table: 'idempotency_keys', timestamp: 'created_at', retentionHours: hours };
}
