/** HTTP header names the gateway, the kit and the services agree on (lower case, as Node reads them). */

/** The user's session token (the gateway's forward auth sets it; user routes read it). */
export const USER_TOKEN_HEADER = 'x-auth-token';
/** A service credential: proves which service is calling. */
export const SERVICE_TOKEN_HEADER = 'x-service-token';
/** When the caller stops waiting (epoch ms): work past it is pointless. */
export const DEADLINE_HEADER = 'x-request-deadline';
export const REQUEST_ID_HEADER = 'x-request-id';
/** W3C trace context, on HTTP calls and on events. */
export const TRACEPARENT_HEADER = 'traceparent';
export const IDEMPOTENCY_KEY_HEADER = 'x-idempotency-key';
/** The IETF draft's name, accepted as well. */
export const IDEMPOTENCY_KEY_ALIAS_HEADER = 'idempotency-key';
/** Set on the stored answer of a repeated idempotent request. */
export const REPLAYED_HEADER = 'idempotent-replayed';
