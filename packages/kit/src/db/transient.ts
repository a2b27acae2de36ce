/**
 * SQLSTATEs of failures that are the database's and pass, so the same work may well succeed when
 * tried again: serialization failure, deadlock, statement timeout or cancel, lock not available.
 */
const TRANSIENT_CODES = new Set(['40001', '40P01', '57014', '55P03']);

/**
 * True when `error` is PostgreSQL refusing for now (see above), not refusing the statement itself —
 * also when the database layer wrapped it (a statement timeout becomes `StatementTimeoutError`).
 */
export function isTransientError(error: unknown): boolean {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: unknown };
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  return cause !== undefined && cause !== error && isTransientError(cause);
}
