/** One violation of a validation rule, rendered as `{"text": ..., "field": ...}`. */
export interface FieldError {
  text: string;
  field: string;
}

export type ErrorItem = string | { text: string; field?: string };

/**
 * An error that is part of the API contract: it knows its status and the exact `errors` list the
 * client sees. Anything else thrown from a handler is an unexpected error and renders as a 500.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errors: ErrorItem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof errors[0] === 'string' ? errors[0] : (errors[0]?.text ?? `HTTP ${statusCode}`));
    this.name = 'HttpError';
  }
}

export class ValidationError extends HttpError {
  constructor(readonly fieldErrors: FieldError[]) {
    super(400, fieldErrors);
  }
}

/** A business rule refused the request: 400 `[{"text": msg}]`. */
export class BusinessError extends HttpError {
  constructor(text: string) {
    super(400, [{ text }]);
  }
}

export class UnauthorizedError extends HttpError {
  constructor() {
    super(401, ['Unauthorized']);
  }
}

export class AccessDeniedError extends HttpError {
  constructor() {
    super(403, ['Access denied']);
  }
}

export class NotFoundError extends HttpError {
  constructor(text = 'Not found') {
    super(404, [{ text }]);
  }
}

/** Refused for a reason tied to one field, e.g. an idempotency key in flight (409) or reused (422). */
export class FieldConflictError extends HttpError {
  constructor(statusCode: 409 | 422, text: string, field: string) {
    super(statusCode, [{ text, field }]);
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(text: string, retryAfterSeconds: number) {
    super(429, [{ text }], { 'retry-after': String(retryAfterSeconds) });
  }
}

/** A dependency (another service, the database) could not answer in time. */
export class ServiceUnavailableError extends HttpError {
  constructor(text = 'Service temporarily unavailable') {
    super(503, [{ text }]);
  }
}
