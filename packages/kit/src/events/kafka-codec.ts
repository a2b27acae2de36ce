import { TRACEPARENT_HEADER } from '@adboard/contracts';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { EventMessage } from './types.js';

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value[0] : value)?.toString();
}

/** CloudEvents binary mode: metadata in `ce_*` headers, the payload as the JSON value. */
export function encodeMessage(message: EventMessage) {
  return {
    key: message.key,
    value: JSON.stringify(message.payload),
    headers: {
      ce_specversion: '1.0',
      ce_id: message.id,
      ce_type: message.type,
      ce_source: message.source,
      ce_time: message.time,
      'content-type': 'application/json',
      ...(message.traceparent ? { [TRACEPARENT_HEADER]: message.traceparent } : {}),
    },
  };
}

/**
 * Never throws: a record whose value is not a UTF-8 JSON object still becomes a message, marked
 * `undecodable` with its bytes, so the consumer sets it aside instead of the bus redelivering it forever.
 */
export function decodeMessage(topic: string, partition: number, message: KafkaMessage): EventMessage {
  const raw = message.value ?? Buffer.alloc(0);
  const value = payloadOf(message.value);
  const traceparent = header(message.headers, TRACEPARENT_HEADER);
  return {
    id: header(message.headers, 'ce_id') ?? `${topic}/${partition}/${message.offset}`,
    type: header(message.headers, 'ce_type') ?? 'unknown',
    source: header(message.headers, 'ce_source') ?? 'unknown',
    time: header(message.headers, 'ce_time') ?? isoTime(message.timestamp),
    topic,
    key: message.key?.toString() ?? '',
    payload: 'payload' in value ? value.payload : {},
    ...(traceparent ? { traceparent } : {}),
    raw,
    ...('undecodable' in value ? { undecodable: value.undecodable } : {}),
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function payloadOf(value: Buffer | null): { payload: Record<string, unknown> } | { undecodable: string } {
  if (value === null) return { undecodable: 'the message has no value' };
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { undecodable: 'the value is not UTF-8' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { undecodable: 'the value is not JSON' };
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? { payload: parsed as Record<string, unknown> }
    : { undecodable: 'the value is not a JSON object' };
}

/** The record's timestamp (ms since the epoch) as ISO 8601; the epoch for one that is not a time. */
function isoTime(timestamp: string): string {
  const date = new Date(Number(timestamp));
  return (Number.isNaN(date.getTime()) ? new Date(0) : date).toISOString();
}
