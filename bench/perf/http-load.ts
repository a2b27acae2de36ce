import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

export interface HttpFigures {
  path: string;
  connections: number;
  requestsPerSecond: number;
  /** Requests answered in the whole run. */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 2xx, and connection errors or timeouts: a valid run has none. */
  failures: number;
}

export interface HttpTarget {
  /** What the row is called in the table. */
  path: string;
  url: string;
  method?: 'GET' | 'PUT' | 'POST';
  connections?: number;
  /** Per request: the path and headers (e.g. the next user's cookie and a fresh idempotency key). */
  next?: () => { path: string; headers?: Record<string, string>; body?: unknown };
}

/** Drives `target` with autocannon for `seconds` (keep-alive connections, as real clients hold them). */
export async function measure(target: HttpTarget, seconds: number): Promise<HttpFigures> {
  const connections = target.connections ?? 20;
  const result = await autocannon({
    url: target.url,
    connections,
    duration: seconds,
    method: target.method ?? 'GET',
    requests: [
      {
        setupRequest: (request) => {
          if (!target.next) return request;
          const { path, headers, body } = target.next();
          return {
            ...request,
            path,
            headers: {
              ...request.headers,
              ...headers,
              ...(body ? { 'content-type': 'application/json' } : {}),
            },
            ...(body ? { body: JSON.stringify(body) } : {}),
          };
        },
      },
    ],
  });
  return {
    path: target.path,
    connections,
    requestsPerSecond: Math.round(result.requests.average),
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/** A fresh idempotency key per request, as a client makes one per attempt. */
export const freshKey = () => ({ 'x-idempotency-key': randomUUID() });

/** Round-robin over `items`. */
export function rotation<T>(items: T[]): () => T {
  let next = 0;
  return () => items[next++ % items.length]!;
}
