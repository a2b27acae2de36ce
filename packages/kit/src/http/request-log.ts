import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../logger.js';

/**
 * Fastify's per-request logging, replaced by one line per answered request — method, url,
 * status, ms — at `level` (warn for a 5xx), instead of an "incoming" and a "completed" line.
 */
export class RequestLog extends LogController {
  constructor(private readonly level: 'info' | 'debug') {
    super({});
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const level = error || status >= 500 ? 'warn' : this.level;
    const log = request.log as Logger;
    if (!log.isLevelEnabled(level)) return;
    log[level](
      {
        method: request.method,
        url: request.url,
        status,
        ms: Math.round(reply.elapsedTime),
        ...(error ? { err: error } : {}),
      },
      'request answered',
    );
  }
}
