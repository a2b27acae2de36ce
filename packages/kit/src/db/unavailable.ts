import { ServiceUnavailableError } from '../http/errors.js';

/** The database could not be reached or dropped the connection: nothing is known to have changed. */
export class DatabaseUnavailableError extends ServiceUnavailableError {
  constructor(cause: unknown) {
    super();
    this.name = 'DatabaseUnavailableError';
    this.message = `database unavailable: ${(cause as Error)?.message ?? String(cause)}`;
    this.cause = cause;
  }
}

/**
 * A statement ran past its `statement_timeout` (or was cancelled): it was rolled back, so nothing
 * changed and the client may try again — a 503, not an unexpected error.
 */
export class StatementTimeoutError extends ServiceUnavailableError {
  constructor(cause: unknown) {
    super('The request took too long, try again later');
    this.name = 'StatementTimeoutError';
    this.cause = cause;
  }
}

/** SQLSTATE query_canceled: the statement timeout fired (or someone cancelled the statement). */
export function isStatementTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === '57014';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that mean "this session is gone or the server will not serve now": connection
 * exceptions (class 08), the server shutting down or starting (57P01–57P03), too many connections.
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** pg's own errors for a connection that broke or never came, which carry no code. */
const CLIENT_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|is not queryable|Client was closed|Connection ended/;

/** True when `error` says the database could not be reached, not that the statement was wrong. */
export function isConnectionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08'))
  )
    return true;
  return typeof message === 'string' && CLIENT_MESSAGES.test(message);
}
