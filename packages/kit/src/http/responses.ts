/** What each error status of the contract means, as the OpenAPI documents describe it. */
export const errorStatusDescriptions = {
  400: 'Validation failure (one error per field, in field order) or a business rule failure (its text)',
  401: 'No or invalid session: ["Unauthorized"]',
  403: 'Access denied: another user’s resource, or an internal route called without a service credential',
  404: 'Not found (also: an id in the path that is not a positive integer)',
  409: 'A request with this idempotency key is still in progress',
  422: 'This idempotency key was already used for a different request',
  429: 'Too many attempts: try again later',
  503: 'A dependency does not answer: try again later',
} as const;

export type ErrorStatus = keyof typeof errorStatusDescriptions;

/** The error responses a route can give, each described and answered with the error envelope. */
export function errorResponses(...statuses: ErrorStatus[]): Record<string, unknown> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: errorStatusDescriptions[status], $ref: 'ErrorEnvelope#' },
    ]),
  );
}
