import { randomUUID } from 'node:crypto';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/events/kafka-codec.js';
import type { EventMessage } from '../../src/events/types.js';

const sent: EventMessage = {
  id: randomUUID(),
  type: 'user.created',
  source: 'codec-test',
  time: '2026-01-02T03:04:05.000Z',
  topic: 'user.event',
  key: '7',
  payload: { action: 'create', id: 7, text: 'a\u0000b' },
};

/** What kafkajs hands a consumer for a record with this value and these headers. */
function received(
  value: Buffer | null,
  headers: IHeaders = encodeMessage(sent).headers,
  timestamp = '0',
): KafkaMessage {
  return { key: Buffer.from('7'), value, headers, timestamp, attributes: 0, offset: '12' };
}

describe('Kafka codec', () => {
  it('decodes what it encoded, with the bytes it came as', () => {
    const wire = encodeMessage(sent);
    const value = Buffer.from(wire.value);
    expect(decodeMessage('user.event', 0, received(value, wire.headers))).toEqual({ ...sent, raw: value });
  });

  it.each([
    ['not JSON', Buffer.from('{"id": 7'), 'the value is not JSON'],
    ['JSON but not an object', Buffer.from('[1, 2]'), 'the value is not a JSON object'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x00, 0x7d]), 'the value is not UTF-8'],
    ['absent (a tombstone)', null, 'the message has no value'],
  ])('marks a value that is %s as undecodable, keeping its exact bytes', (_, value, reason) => {
    const message = decodeMessage('user.event', 0, received(value));
    expect(message).toMatchObject({ id: sent.id, topic: 'user.event', key: '7', payload: {} });
    expect(message.undecodable).toBe(reason);
    expect(message.raw).toEqual(value ?? Buffer.alloc(0));
  });

  it('decodes a record without metadata headers or with a broken timestamp instead of throwing', () => {
    const message = decodeMessage('user.event', 3, received(Buffer.from('{}'), {}, 'not a number'));
    expect(message).toMatchObject({ id: 'user.event/3/12', type: 'unknown', source: 'unknown', payload: {} });
    expect(message.undecodable).toBeUndefined();
    expect(typeof message.time).toBe('string');
  });
});
