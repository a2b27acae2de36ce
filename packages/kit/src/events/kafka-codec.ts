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

export function decodeMessage(topic: string, partition: number, message: KafkaMessage): EventMessage {
  const text = message.value?.toString() ?? '';
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    payload =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : { raw: text };
  } catch {
    payload = { raw: text };
  }
  const traceparent = header(message.headers, TRACEPARENT_HEADER);
  return {
    id: header(message.headers, 'ce_id') ?? `${topic}/${partition}/${message.offset}`,
    type: header(message.headers, 'ce_type') ?? 'unknown',
    source: header(message.headers, 'ce_source') ?? 'unknown',
    time: header(message.headers, 'ce_time') ?? new Date(Number(message.timestamp)).toISOString(),
    topic,
    key: message.key?.toString() ?? '',
    payload,
    ...(traceparent ? { traceparent } : {}),
  };
}
