import type { Queryable } from '../db/database.js';
import type { EventMessage } from './types.js';

/** The message's bytes: as they came off the wire, or (the in-process bus) its payload's JSON. */
export function bytesOf(message: EventMessage): Buffer {
  if (message.raw) return Buffer.from(message.raw.buffer, message.raw.byteOffset, message.raw.byteLength);
  try {
    return Buffer.from(JSON.stringify(message.payload) ?? '');
  } catch {
    return Buffer.alloc(0); // a payload JSON cannot express (a cycle, a bigint): nothing a bus carried
  }
}

/** Text PostgreSQL can store: every U+0000 (which no text column accepts) as U+FFFD. */
const storable = (text: string) => text.replaceAll('\u0000', '\uFFFD');

/**
 * Sets a message aside in `dead_letter`, storable whatever it carries: its exact bytes in `raw`,
 * `payload` only when they are JSON that jsonb holds, its text fields without U+0000.
 */
export async function storeDeadLetter(
  db: Queryable,
  letter: { consumer: string; message: EventMessage; error: unknown; attempts: number },
): Promise<void> {
  const { message } = letter;
  await db.query(
    `INSERT INTO dead_letter (consumer, event_id, topic, key, type, raw, payload, error, attempts)
     VALUES ($1, $2, $3, $4, $5, $6, jsonb_or_null($6), $7, $8)`,
    [
      storable(letter.consumer),
      storable(message.id),
      storable(message.topic),
      storable(message.key),
      storable(message.type),
      bytesOf(message),
      storable(String((letter.error as Error)?.message ?? letter.error)),
      letter.attempts,
    ],
  );
}
