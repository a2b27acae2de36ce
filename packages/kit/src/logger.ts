import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import { currentTrace } from './trace.js';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

/**
 * `pretty` (one readable line per entry) when a person reads the output on a terminal, JSON when
 * a machine does (a pipe, a file, a container); LOG_FORMAT=json or pretty decides instead.
 */
export function logFormat(env: Record<string, string | undefined> = process.env): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return process.stdout.isTTY ? 'pretty' : 'json';
}

let prettyStream: DestinationStream | undefined;

/** One pretty printer for the process (the embedded mode has seven loggers), loaded only when used. */
function pretty(): DestinationStream {
  const build = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
  prettyStream ??= build({
    colorize: process.stdout.isTTY === true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,traceId,requestId,reqId',
    messageFormat: '{service} {msg}',
    singleLine: true,
  });
  return prettyStream;
}

/** Logs of one service; every line written inside a request or a consumed event names its trace. */
export function createLogger(service: string, level = 'info', format: LogFormat = logFormat()): Logger {
  const options = {
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
  };
  return format === 'pretty' ? pino(options, pretty()) : pino(options);
}
