import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync } from 'node:crypto';

/** W3C trace context of the unit of work in progress: an HTTP request or a consumed event. */
export interface TraceContext {
  traceId: string;
  spanId: string;
  requestId?: string;
  /** The service doing the work (spans name it: the embedded mode runs six in one process). */
  service?: string;
  /** When the caller stops waiting (epoch ms): work for it must not commit after this. */
  deadline?: number;
}

const storage = new AsyncLocalStorage<TraceContext>();
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

// Ids come from a pool of random bytes refilled 4 KiB at a time: one getrandom call per ~170
// requests instead of two per request, which was a tenth of the entry point's CPU under load.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function hex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return pool.toString('hex', poolOffset - bytes, poolOffset);
}

/** New random W3C ids: a trace id of 32 hex digits, a span id of 16. */
export const newTraceId = (): string => hex(16);
export const newSpanId = (): string => hex(8);

/** The trace and span ids of a W3C `traceparent`, or undefined when it is absent or malformed. */
export function parseTraceparent(
  traceparent: string | undefined,
): { traceId: string; spanId: string } | undefined {
  const match = traceparent ? traceparentPattern.exec(traceparent.trim()) : null;
  return match ? { traceId: match[1]!, spanId: match[2]! } : undefined;
}

/** Continues the caller's trace (a new span under it) or starts a new one. */
export function traceFrom(traceparent: string | undefined, requestId?: string): TraceContext {
  const match = traceparent ? traceparentPattern.exec(traceparent.trim()) : null;
  const traceId = match?.[1] ?? newTraceId();
  return { traceId, spanId: newSpanId(), ...(requestId ? { requestId } : {}) };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-01`;
}

/** The caller's deadline, sent as `x-request-deadline` (epoch ms), bounded to a minute from now. */
export function deadlineFrom(header: string | undefined, now = Date.now()): number | undefined {
  const value = Number(header);
  return header && Number.isFinite(value) ? Math.min(value, now + 60_000) : undefined;
}

export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

/** The `traceparent` to send with an outgoing call or event: the current span, or a fresh trace. */
export function outgoingTraceparent(): string {
  return formatTraceparent(currentTrace() ?? traceFrom(undefined));
}

export function withTrace<T>(context: TraceContext, work: () => T): T {
  return storage.run(context, work);
}
