import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventBus, EventMessage, SubscriptionOptions } from '../../src/events/types.js';
import { waitFor } from '../../src/testing/wait.js';

export function message(topic: string, key: string, payload: Record<string, unknown> = {}): EventMessage {
  return {
    id: randomUUID(),
    type: `${topic}.test`,
    source: 'bus-contract',
    time: new Date().toISOString(),
    topic,
    key,
    payload,
    traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
  };
}

/** The behaviour every EventBus adapter must show; run against each adapter. */
export function eventBusContract(
  name: string,
  makeBus: () => Promise<EventBus>,
  options: {
    skip?: boolean;
    timeoutMs?: number;
    /** Creates a topic before a test uses it, for a bus whose brokers create none on first use. */
    createTopic?: (topic: string) => Promise<void>;
  } = {},
) {
  const timeoutMs = options.timeoutMs ?? 5_000;
  describe.skipIf(options.skip === true)(`EventBus contract: ${name}`, { timeout: timeoutMs * 6 }, () => {
    let bus: EventBus;
    let topic: string;
    /** A subscription that has joined its group, so what is published next reaches it. */
    const live = async (options: SubscriptionOptions) => {
      const subscription = await bus.subscribe(options);
      await subscription.joined;
      return subscription;
    };

    beforeEach(async () => {
      bus = await makeBus();
      topic = `contract-${randomUUID().slice(0, 8)}`;
      await options.createTopic?.(topic);
    });
    afterEach(() => bus.close());

    it('delivers a message with its payload and metadata', async () => {
      const received: EventMessage[] = [];
      await live({ group: 'g', topic, handler: async (m) => void received.push(m) });
      const sent = message(topic, '42', { action: 'create', id: 42, text: 'Привет' });
      await bus.publish([sent]);
      await waitFor(() => received.length === 1, { timeoutMs, what: 'delivery' });
      const { raw, ...delivered } = received[0]!;
      expect(delivered).toEqual(sent);
      if (raw) expect(JSON.parse(Buffer.from(raw).toString())).toEqual(sent.payload);
    });

    it('delivers a payload whatever its characters, U+0000 and lone surrogates included', async () => {
      const received: EventMessage[] = [];
      await live({ group: 'g', topic, handler: async (m) => void received.push(m) });
      const sent = message(topic, '1', { text: 'a\u0000b \ud800 \u{1F600}' });
      await bus.publish([sent]);
      await waitFor(() => received.length === 1, { timeoutMs, what: 'delivery' });
      expect(received[0]!.payload).toEqual(sent.payload);
      expect(received[0]!.undecodable).toBeUndefined();
    });

    it('gives every group every message, starting from the oldest for a new group', async () => {
      const sent = [message(topic, '1'), message(topic, '2')];
      await bus.publish(sent);
      const a: string[] = [];
      const b: string[] = [];
      await live({ group: 'a', topic, handler: async (m) => void a.push(m.id) });
      await live({ group: 'b', topic, handler: async (m) => void b.push(m.id) });
      await waitFor(() => a.length === 2 && b.length === 2, { timeoutMs, what: 'both groups' });
      expect(a.sort()).toEqual(sent.map((m) => m.id).sort());
      expect(b.sort()).toEqual(a);
    });

    it('hands each message to one member of a group', async () => {
      const seen: string[] = [];
      const handler = async (m: EventMessage) => void seen.push(m.id);
      await live({ group: 'shared', topic, handler });
      await live({ group: 'shared', topic, handler });
      const sent = Array.from({ length: 10 }, (_, i) => message(topic, String(i)));
      await bus.publish(sent);
      await waitFor(() => seen.length >= 10, { timeoutMs, what: 'ten deliveries' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen.sort()).toEqual(sent.map((m) => m.id).sort());
    });

    it('counts as lag what the group has not handled yet, and 0 once it has', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const handled: string[] = [];
      const subscription = await live({
        group: 'g',
        topic,
        handler: async (m) => {
          await gate;
          handled.push(m.id);
        },
      });
      expect(subscription.lag()).toBe(0);
      await bus.publish([message(topic, '1'), message(topic, '2'), message(topic, '3')]);
      await waitFor(() => subscription.lag() > 0, {
        timeoutMs,
        what: 'lag while the handler waits',
      });
      release();
      await waitFor(() => handled.length === 3 && subscription.lag() === 0, {
        timeoutMs,
        what: 'lag back to 0',
      });
    });

    it('delivers a message again when its handler failed', async () => {
      let attempts = 0;
      await live({
        group: 'g',
        topic,
        handler: async () => {
          attempts += 1;
          if (attempts < 3) throw new Error('transient');
        },
      });
      await bus.publish([message(topic, 'k')]);
      await waitFor(() => attempts === 3, { timeoutMs: timeoutMs * 4, what: 'redelivery' });
    });

    it('keeps the order of messages with one key', async () => {
      const order: number[] = [];
      await live({
        group: 'g',
        topic,
        handler: async (m) => void order.push(m.payload.n as number),
      });
      await bus.publish(Array.from({ length: 20 }, (_, n) => message(topic, 'same-key', { n })));
      await waitFor(() => order.length === 20, { timeoutMs, what: 'twenty deliveries' });
      expect(order).toEqual(Array.from({ length: 20 }, (_, n) => n));
    });

    it('reports its state: joined while receiving, closed once closed', async () => {
      const subscription = await bus.subscribe({ group: 'g', topic, handler: async () => {} });
      expect(['connecting', 'joining', 'joined']).toContain(subscription.state());
      await subscription.joined;
      expect(subscription.state()).toBe('joined');
      await subscription.close();
      expect(subscription.state()).toBe('closed');
    });

    it('leaves no member behind when closed right after it joined', async () => {
      const early = await live({ group: 'solo', topic, handler: async () => {} });
      await early.close();
      const received: string[] = [];
      await live({ group: 'solo', topic, handler: async (m) => void received.push(m.id) });
      await bus.publish([message(topic, '1')]);
      await waitFor(() => received.length === 1, { timeoutMs, what: 'delivery to the new member' });
    });

    it('stops delivering to a closed subscription', async () => {
      const received: string[] = [];
      const subscription = await live({
        group: 'g',
        topic,
        handler: async (m) => void received.push(m.id),
      });
      await bus.publish([message(topic, '1')]);
      await waitFor(() => received.length === 1, { timeoutMs, what: 'first delivery' });
      await subscription.close();
      await bus.publish([message(topic, '2')]);
      const later: string[] = [];
      await live({ group: 'witness', topic, handler: async (m) => void later.push(m.id) });
      await waitFor(() => later.length === 2, { timeoutMs, what: 'witness group' });
      expect(received).toHaveLength(1);
    });
  });
}
