/** One error of the API's envelope: a string (401) or `{text, field?}`. */
export type ApiErrorItem = string | { text: string; field?: string };

export const textOf = (error: ApiErrorItem): string => (typeof error === 'string' ? error : error.text);

/** The API answered with an error envelope: its status and errors, as sent. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiErrorItem[],
  ) {
    super(errors.map(textOf).join(' '));
  }
}

/** No answer (or a cut one): the request may or may not have had its effect. */
export class NetworkFailure extends Error {
  constructor() {
    super('Network error: the request may not have arrived. Try again.');
  }
}

let onUnauthorized: () => void = () => undefined;

/** Called when a protected request answers 401: the session has ended. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export interface ApiOptions {
  body?: unknown;
  /** X-Idempotency-Key of this attempt. */
  key?: string;
  /** A public route: a 401 there says nothing about the session. */
  isPublic?: boolean;
}

export interface ApiAnswer<T> {
  status: number;
  data: T;
  headers: Headers;
}

/** A call through the entry point (same origin, the session cookie goes along). */
export async function api<T>(method: string, path: string, options: ApiOptions = {}): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.key) headers['x-idempotency-key'] = options.key;
  let response: Response;
  let payload: { data?: T; errors?: ApiErrorItem[] } | undefined;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    payload = text ? (JSON.parse(text) as typeof payload) : undefined;
  } catch {
    throw new NetworkFailure();
  }
  if (response.ok) return { status: response.status, data: payload?.data as T, headers: response.headers };
  const errors =
    Array.isArray(payload?.errors) && payload.errors.length > 0
      ? payload.errors
      : [`The server answered ${response.status}.`];
  if (response.status === 401 && !options.isPublic) onUnauthorized();
  throw new ApiFailure(response.status, errors);
}
