/**
 * SQLSTATEs of failures that are the database's and pass, so the same work may well succeed when
 * tried again: serialization failure, deadlock, statement timeout or cancel, lock not available.
 */
const TRANSIENT_CODES = new Set(['40001', '40P01', '57014', '55P03']);

/** True when `error` is PostgreSQL refusing for now (see above), not refusing the statement itself. */
export function isTransientError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}
