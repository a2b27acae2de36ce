import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './errors.js';
import { ErrorEnvelope } from './fields.js';

/** Any error as the contract's envelope: its own status for an `HttpError`, else 400, 413 or 500. */
export function renderError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpError) {
    return reply.code(error.statusCode).headers(error.headers).send({ success: false, errors: error.errors });
  }
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 413) {
    return reply.code(413).send({ success: false, errors: [{ text: 'Request body is too large.' }] });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    request.log.info({ err: error }, 'request rejected by the HTTP layer');
    return reply.code(400).send({ success: false, errors: [{ text: 'Bad request.' }] });
  }
  if (reply.raw.destroyed) {
    // The client went away mid-answer (e.g. a load generator closing its connections): nobody to answer.
    request.log.debug({ err: error }, 'the client closed the connection before the answer');
    return reply;
  }
  request.log.error({ err: error }, 'unexpected error');
  return reply.code(500).send({ success: false, errors: [{ text: 'Internal server error' }] });
}

/** Errors and unknown routes answered in the envelope, whose schema the documents refer to. */
export const envelope = fp(
  async (app) => {
    app.setErrorHandler((error, request, reply) => renderError(error, request, reply));
    app.setNotFoundHandler((_request, reply) =>
      reply.code(404).send({ success: false, errors: [{ text: 'Not found' }] }),
    );
    app.addSchema(ErrorEnvelope);
  },
  { name: 'envelope', fastify: '5.x' },
);
