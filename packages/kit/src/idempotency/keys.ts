import { createHash, randomUUID } from 'node:crypto';
import { IDEMPOTENCY_KEY_ALIAS_HEADER, IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER } from '@adboard/contracts';
import { Type } from '@sinclair/typebox';
import { Ok } from '../http/fields.js';
import { errorResponses } from '../http/responses.js';
import type { HttpServer } from '../http/server.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database, Queryable } from '../db/database.js';
import { FieldConflictError, ValidationError } from '../http/errors.js';
import { Counter, type Registry } from '../metrics.js';

export const IDEMPOTENCY_FIELD = 'idempotencyKey';

export const idempotencyMessages = {
  missing: 'Заголовок X-Idempotency-Key не может быть пустым',
  malformed: 'The idempotency key must be 1 to 255 printable ASCII characters.',
  inFlight: 'A request with this idempotency key is still in progress.',
  reused: 'This idempotency key was already used for a different request.',
};

const printableAscii = /^[\x20-\x7e]{1,255}$/;

/** The key from `X-Idempotency-Key` (or `Idempotency-Key`): 1–255 printable ASCII characters. */
export function idempotencyKeyOf(request: FastifyRequest): string {
  const raw = request.headers[IDEMPOTENCY_KEY_HEADER] ?? request.headers[IDEMPOTENCY_KEY_ALIAS_HEADER];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) throw new ValidationError([{ text: idempotencyMessages.missing, field: IDEMPOTENCY_FIELD }]);
  if (!printableAscii.test(value)) {
    throw new ValidationError([{ text: idempotencyMessages.malformed, field: IDEMPOTENCY_FIELD }]);
  }
  return value;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** What makes two requests "the same request": the operation and its body, key order aside. */
export function fingerprintOf(operation: string, body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, canonical(body ?? null)]))
    .digest('hex');
}

export interface IdempotentRequest {
  /** Whose key space this is, e.g. `account:42`. */
  scope: string;
  key: string;
  fingerprint: string;
}

export interface IdempotentOutcome<T> {
  response: T;
  replayed: boolean;
}

/** How long a request waits for another one holding the same key before it is told 409. */
const CLAIM_WAIT_MS = 100;
const CLAIM_RETRY_MS = 10;

/**
 * Claims (scope, key) in one statement: the row is inserted only by the transaction that also
 * holds the key's advisory lock, so a claim never queues behind another transaction still
 * running with the same key — it sees "not claimed, not stored" and can say 409 instead.
 */
const CLAIM = `INSERT INTO idempotency_keys (scope, key, fingerprint)
  SELECT $1::text, $2::text, $3::text WHERE pg_try_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))
  ON CONFLICT DO NOTHING`;

/**
 * Runs `effect` at most once per (scope, key). The key is claimed by inserting its row in the
 * same transaction as the effect, so the primary key decides a race and the key is recorded if
 * and only if the effect commits (an effect that throws records nothing, so the request can be
 * retried). A request whose key is held by one still running gets 409 (after waiting up to
 * 100 ms for it to finish); a repeat of a completed request gets the stored response back; the
 * same key with another request gets 422. A fresh request costs five statements: BEGIN, the
 * claim, the effect's, the stored response, COMMIT.
 */
export async function withIdempotency<T>(
  db: Database,
  request: IdempotentRequest,
  effect: (tx: Queryable) => Promise<T>,
): Promise<IdempotentOutcome<T>> {
  const outcomes = outcomeCounters.get(db);
  try {
    const outcome = await claimAndRun(db, request, effect);
    outcomes?.inc({ outcome: outcome.replayed ? 'replayed' : 'applied' });
    return outcome;
  } catch (error) {
    if (error instanceof FieldConflictError && error.statusCode === 409)
      outcomes?.inc({ outcome: 'in_flight' });
    if (error instanceof FieldConflictError && error.statusCode === 422) outcomes?.inc({ outcome: 'reused' });
    throw error;
  }
}

/**
 * Counts the outcomes of `withIdempotency` on `db` in `registry`: `applied` (first time), `replayed`
 * (a repeat answered from the stored response), `in_flight` (409: the key is held by a request still
 * running) and `reused` (422: the key came with another request). Each outcome is exported from 0.
 */
export function observeIdempotency(db: Database, registry: Registry): void {
  const outcomes = new Counter({
    name: 'idempotency_key_outcomes_total',
    help: 'Requests with an idempotency key by outcome: applied, replayed, in_flight (409), reused (422)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const outcome of ['applied', 'replayed', 'in_flight', 'reused']) outcomes.inc({ outcome }, 0);
  outcomeCounters.set(db, outcomes);
}

const outcomeCounters = new WeakMap<Database, Counter>();

/**
 * Claims (scope, key) inside `tx` as a request does before its effect: true when this transaction
 * now holds the key until it ends, false when another holds it or has stored it.
 */
export async function claimKey(tx: Queryable, request: IdempotentRequest): Promise<boolean> {
  const claimed = await tx.query(CLAIM, [request.scope, request.key, request.fingerprint]);
  return claimed.rowCount === 1;
}

function claimAndRun<T>(
  db: Database,
  request: IdempotentRequest,
  effect: (tx: Queryable) => Promise<T>,
): Promise<IdempotentOutcome<T>> {
  return db.transaction(async (tx) => {
    const giveUpAt = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      if (await claimKey(tx, request)) break;
      const { rows } = await tx.query<{ fingerprint: string; response_body: T }>(
        'SELECT fingerprint, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2',
        [request.scope, request.key],
      );
      const stored = rows[0];
      if (stored) {
        if (stored.fingerprint !== request.fingerprint) {
          throw new FieldConflictError(422, idempotencyMessages.reused, IDEMPOTENCY_FIELD);
        }
        return { response: stored.response_body, replayed: true };
      }
      // Another transaction holds the key and has not committed: wait for it a little.
      if (Date.now() >= giveUpAt)
        throw new FieldConflictError(409, idempotencyMessages.inFlight, IDEMPOTENCY_FIELD);
      await new Promise((resolve) => setTimeout(resolve, CLAIM_RETRY_MS));
    }
    const response = await effect(tx);
    await tx.query('UPDATE idempotency_keys SET response_body = $3 WHERE scope = $1 AND key = $2', [
      request.scope,
      request.key,
      JSON.stringify(response),
    ]);
    return { response, replayed: false };
  });
}

const LOCK = `SELECT pg_try_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0)) AS locked`;

/**
 * Holds (scope, key) for the rest of `tx`, as a claim does, so no request with the key starts or
 * commits meanwhile: what reverses a key's operation takes it first. A request with the key that is
 * still running has it: 409 (after waiting up to 100 ms for it), since its effect is not visible yet.
 */
export async function lockIdempotencyKey(tx: Queryable, scope: string, key: string): Promise<void> {
  const giveUpAt = Date.now() + CLAIM_WAIT_MS;
  for (;;) {
    const { rows } = await tx.query<{ locked: boolean }>(LOCK, [scope, key]);
    if (rows[0]!.locked) return;
    if (Date.now() >= giveUpAt)
      throw new FieldConflictError(409, idempotencyMessages.inFlight, IDEMPOTENCY_FIELD);
    await new Promise((resolve) => setTimeout(resolve, CLAIM_RETRY_MS));
  }
}

/** Frees a key (after its operation was reversed), so the same key applies again. */
export async function releaseIdempotencyKey(tx: Queryable, scope: string, key: string): Promise<void> {
  await tx.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key]);
}

/** `GET <path>`: a fresh random v4 UUID for a signed-in user to use as an idempotency key. */
export function freshKeyRoute(app: HttpServer, path: string, tags: string[] = []): void {
  app.get(
    path,
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'A fresh random UUID to use as an idempotency key',
        response: {
          200: Ok(Type.Object({ uuid: Type.String({ format: 'uuid' }) }), 'A new key'),
          ...errorResponses(401),
        },
      },
    },
    async () => ({ success: true as const, data: { uuid: randomUUID() } }),
  );
}

/** A `preValidation` hook: the key is checked before the body, its error reported on its own. */
export async function requireIdempotencyKey(request: FastifyRequest): Promise<void> {
  idempotencyKeyOf(request);
}

/** The success envelope for an idempotent outcome, marking a replay with `Idempotent-Replayed: true`. */
export function idempotentResponse<T>(reply: FastifyReply, outcome: IdempotentOutcome<T>) {
  if (outcome.replayed) reply.header(REPLAYED_HEADER, 'true');
  return { success: true as const, data: outcome.response };
}
