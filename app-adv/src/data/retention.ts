import type { RetentionRule } from '@adboard/kit';

/**
 * The steps of purchases that ended more than `days` ago; an unfinished purchase keeps its steps
 * however old. A step is never newer than its purchase's end, so the index on `at` finds them all;
 * each one's purchase is then looked up by its key (a scalar subquery, never a scan of `purchases`,
 * which keeps every purchase ever made).
 */
export function purchaseStepRetention(days: number): RetentionRule {
  return {
    table: 'purchase_steps',
    timestamp: 'at',
    retentionHours: days * 24,
    condition: (cutoff) =>
      `(SELECT finished_at FROM purchases WHERE purchases.id = purchase_steps.purchase_id) < ${cutoff}`,
  };
}
