import type { RetentionRule } from '../db/retention.js';

/**
 * A consumer's inbox and dead letters. An inbox row only has to outlive every redelivery of its
 * event, and a redelivery comes from the topic's log, so it is never older than what Kafka retains.
 */
export function consumerRetention(config: {
  INBOX_RETENTION_DAYS: number;
  DEAD_LETTER_RETENTION_DAYS: number;
}): RetentionRule[] {
  return [
    { table: 'inbox', timestamp: 'handled_at', retentionHours: config.INBOX_RETENTION_DAYS * 24 },
    { table: 'dead_letter', timestamp: 'failed_at', retentionHours: config.DEAD_LETTER_RETENTION_DAYS * 24 },
  ];
}
