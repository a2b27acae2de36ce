/// <reference types="@fastify/rate-limit" preserve="true" />
import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { KeyValueStore } from '../kv/types.js';
import { Counter, type Registry } from '../metrics.js';
import { TooManyRequestsError } from './errors.js';

export const RATE_LIMITED = 'Too many requests, try again later';

/** Whose requests a limit counts together. */
export type RateLimitSubject = 'address' | 'user';

export interface RouteRateLimit {
  /** Requests allowed per subject in one window. */
  max: number;
  windowSeconds: number;
  per: RateLimitSubject;
  /** The text of the 429 (default `RATE_LIMITED`). */
  message?: string;
}

const tooManyRequests = (text: string) => (_request: unknown, context: { ttl: number }) =>
  new TooManyRequestsError(text, Math.max(1, Math.ceil(context.ttl / 1000)));

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A @fastify/rate-limit store on the service's key-value port, so replicas share their counters
 * where the port is shared (Redis in the distributed mode). Each route counts in its own namespace.
 */
function keyValueStore(kv: KeyValueStore) {
  class KeyValueRateLimitStore {
    // The plugin constructs the store with its own settings, which this store does not need.
    constructor(
      _settings?: unknown,
      private readonly namespace = 'rate-limit:',
    ) {}

    incr(key: string, callback: Callback, timeWindowMs: number): void {
      const windowSeconds = Math.max(1, Math.ceil(timeWindowMs / 1000));
      kv.increment(`${this.namespace}${key}`, windowSeconds).then(
        ({ count, resetInSeconds }) => callback(null, { current: count, ttl: resetInSeconds * 1000 }),
        (error: Error) => callback(error),
      );
    }

    child(params: { routeInfo: { method?: string | string[]; url?: string } }) {
      return new KeyValueRateLimitStore(
        undefined,
        `${this.namespace}${String(params.routeInfo.method)}:${params.routeInfo.url ?? ''}:`,
      );
    }
  }
  return KeyValueRateLimitStore;
}

/**
 * Registers @fastify/rate-limit for routes that ask for it (`config: { rateLimit: ... }`, see
 * `rateLimited`): over the limit is 429 in the envelope with `Retry-After`. Counters live in `kv`
 * when given, else in this process. A store that fails lets the request through (fail open).
 * With `metrics`, the 429s it answers are counted by route (each limited route from 0).
 */
export const rateLimits = fp<{ store?: KeyValueStore; metrics?: Registry }>(
  async (app, { store: kv, metrics }) => {
    const limited =
      metrics &&
      new Counter({
        name: 'http_rate_limited_requests_total',
        help: 'Requests answered 429 by a rate limit, by route',
        labelNames: ['route'],
        registers: [metrics],
      });
    if (limited) {
      app.addHook('onRoute', (route) => {
        if (route.config?.rateLimit) limited.inc({ route: route.url }, 0);
      });
    }
    const options: RateLimitPluginOptions = {
      global: false,
      skipOnError: true,
      addHeadersOnExceeding: {
        'x-ratelimit-limit': false,
        'x-ratelimit-remaining': false,
        'x-ratelimit-reset': false,
      },
      addHeaders: {
        'x-ratelimit-limit': false,
        'x-ratelimit-remaining': false,
        'x-ratelimit-reset': false,
        'retry-after': false,
      },
      errorResponseBuilder: tooManyRequests(RATE_LIMITED),
      ...(limited
        ? { onExceeded: (request) => limited.inc({ route: request.routeOptions.url ?? 'unknown' }) }
        : {}),
    };
    if (kv) options.store = keyValueStore(kv) as unknown as RateLimitPluginOptions['store'];
    await app.register(rateLimit, options);
  },
  { name: 'rate-limits', fastify: '5.x' },
);

/** Counts the user of a `user`/`self` guard (who ran before); a service's call is never limited. */
function subjectKey(per: RateLimitSubject) {
  return (request: FastifyRequest) =>
    per === 'user' && request.user ? `user:${request.user.id}` : `address:${request.ip}`;
}

/** The route option that applies a limit: `{ config: rateLimited({...}) }`. */
export function rateLimited(limit: RouteRateLimit) {
  return {
    rateLimit: {
      max: limit.max,
      timeWindow: limit.windowSeconds * 1000,
      keyGenerator: subjectKey(limit.per),
      allowList: (request: FastifyRequest) => request.caller !== null,
      ...(limit.message ? { errorResponseBuilder: tooManyRequests(limit.message) } : {}),
    },
  };
}
