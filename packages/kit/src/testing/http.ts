export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** One real HTTP request with a JSON body (or a raw string), answered as status, parsed body and headers. */
export async function call<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<CallResult<T>> {
  const hasJson = options.body !== undefined;
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: { ...(hasJson ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.raw ?? (hasJson ? JSON.stringify(options.body) : undefined),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, body: body as T, headers: response.headers };
}
