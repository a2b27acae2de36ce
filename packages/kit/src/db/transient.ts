import { isStatementTimeout, StatementTimeoutError } from './unavailable.js';

/** SQLSTATEs of failures that pass: serialization failure, deadlock, lock not available. */
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03']);

/**
 * True when `error` is PostgreSQL refusing for now, not refusing the statement itself, so the same
 * work may well succeed when tried again: the codes above, and a statement past its timeout (as the
 * database layer reports it, or as pg does).
 */
export function isTransientError(error: unknown): boolean {
  if (error instanceof StatementTimeoutError || isStatementTimeout(error)) return true;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}
