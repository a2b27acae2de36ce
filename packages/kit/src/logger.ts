import { pino, type Logger } from 'pino';
import { currentTrace } from './trace.js';

export type { Logger };

/** JSON logs; every line written inside a request or a consumed event names its trace. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service },
    mixin() {
      const trace = currentTrace();
      return trace
        ? { traceId: trace.traceId, ...(trace.requestId ? { requestId: trace.requestId } : {}) }
        : {};
    },
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers["x-auth-token"]',
        'req.headers["x-service-token"]',
        'password',
      ],
      censor: '[redacted]',
    },
  });
}
