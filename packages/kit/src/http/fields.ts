import { IDEMPOTENCY_KEY_HEADER } from '@adboard/contracts';
import { Type, type TSchema } from '@sinclair/typebox';
import './validation.js';

export const INT32_MAX = 2_147_483_647;

/** A required-when-listed, never-blank string with an upper bound on its length. */
export const Text = (maxLength = 255, description?: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '\\S', ...(description ? { description } : {}) });

export const Email = () => Type.String({ format: 'email', maxLength: 254, examples: ['ivan@mail.ru'] });

export const PositiveInt = (maximum: number, description?: string) =>
  Type.Integer({ minimum: 1, maximum, ...(description ? { description } : {}) });

/** `{userId}` in a path: a positive integer; anything else is a 404. */
export const UserIdParams = Type.Object({ userId: PositiveInt(INT32_MAX) });

/** `?page=&limit=` for a list: pages from 1, at most `maxLimit` items a page. */
export const PageQuery = (maxLimit: number, defaultLimit: number, items: string) =>
  Type.Object({
    page: Type.Optional(PositiveInt(1_000_000, 'from 1')),
    limit: Type.Optional(PositiveInt(maxLimit, `${items} per page, default ${defaultLimit}`)),
  });

export function pageOf(
  query: { page?: number; limit?: number },
  defaultLimit: number,
): { limit: number; offset: number } {
  const limit = query.limit ?? defaultLimit;
  return { limit, offset: ((query.page ?? 1) - 1) * limit };
}

/** Documentation of the idempotency key header (checked by `requireIdempotencyKey`). */
export const IdempotencyKeyHeader = Type.Object({
  [IDEMPOTENCY_KEY_HEADER]: Type.Optional(
    Type.String({ description: '1–255 printable ASCII characters; `Idempotency-Key` is accepted too' }),
  ),
});

/** The contract's timestamp format, `YYYY-MM-DD HH:MM:SS` in UTC. */
export const Timestamp = () => Type.String({ examples: ['2026-01-31 12:00:00'] });

export function formatTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Documentation of the success envelope around a payload; `description` is the response's, in the OpenAPI document. */
export const Ok = <T extends TSchema>(data: T, description?: string) =>
  Type.Object({ success: Type.Literal(true), data }, description ? { description } : {});
export const OkEmpty = (description?: string) =>
  Type.Object({ success: Type.Literal(true) }, description ? { description } : {});

export const ErrorEnvelope = Type.Object(
  {
    success: Type.Literal(false),
    errors: Type.Array(
      Type.Union([Type.String(), Type.Object({ text: Type.String(), field: Type.Optional(Type.String()) })]),
    ),
  },
  { $id: 'ErrorEnvelope' },
);
