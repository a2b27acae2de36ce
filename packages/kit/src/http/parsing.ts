import type { TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { NotFoundError, ValidationError } from './errors.js';
import { BODY_FIELD, convertIntegers, messages, pickKnown, validateObject } from './validation.js';

function parseJsonBody(
  _request: FastifyRequest,
  body: string,
  done: (err: Error | null, body?: unknown) => void,
) {
  if (body.trim() === '') return done(null, {});
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return done(new ValidationError([{ text: messages.malformedJson, field: BODY_FIELD }]));
  }
  // Every body of the API is an object: `null`, an array or a scalar is refused here, where it is
  // still told apart from a request without a body.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return done(new ValidationError([{ text: messages.object, field: BODY_FIELD }]));
  }
  done(null, parsed);
}

/**
 * JSON bodies whatever the Content-Type, validated against the route's TypeBox schemas with the
 * contract's messages: a bad path parameter is a 404, anything else a 400 naming the fields.
 */
export const parsing = fp(
  async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, parseJsonBody);

    app.setValidatorCompiler(({ schema, httpPart }) => {
      const objectSchema = schema as TObject;
      if (httpPart === 'params') {
        return (data) => {
          const value = convertIntegers(objectSchema, data);
          return Value.Check(objectSchema, value) ? { value } : { error: new NotFoundError() };
        };
      }
      return (data) => {
        // Fastify hands a request without a body over as null.
        const value = httpPart === 'body' ? (data ?? undefined) : convertIntegers(objectSchema, data);
        const errors = validateObject(objectSchema, value);
        if (errors.length > 0) return { error: new ValidationError(errors) };
        return { value: pickKnown(objectSchema, (value ?? {}) as Record<string, unknown>) };
      };
    });
  },
  { name: 'parsing', fastify: '5.x' },
);
