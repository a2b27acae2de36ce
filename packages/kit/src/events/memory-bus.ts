import type { EventBus, EventMessage, MessageHandler, Subscription, SubscriptionOptions } from './types.js';

interface Member {
  handler: MessageHandler;
}

interface Group {
  offset: number;
  members: Member[];
  nextMember: number;
  pumping: boolean;
  /** Set by every publish and subscribe, so a delivery loop that is finishing looks once more. */
  pending: boolean;
  inFlight: Promise<void>;
}

interface TopicLog {
  base: number;
  messages: EventMessage[];
  groups: Map<string, Group>;
}

export interface InMemoryEventBusOptions {
  /** Messages kept per topic for groups that subscribe later; the oldest are dropped beyond this. */
  retainPerTopic?: number;
  retryDelayMs?: (attempt: number) => number;
}

/**
 * The embedded mode's event bus: one process, the same semantics as the Kafka adapter — a log per
 * topic, consumer groups with their own offsets, redelivery of a message whose handler threw, and
 * order kept (each group handles one message at a time).
 */
export class InMemoryEventBus implements EventBus {
  private readonly topics = new Map<string, TopicLog>();
  private readonly retain: number;
  private readonly retryDelay: (attempt: number) => number;
  private closed = false;
  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();

  constructor(options: InMemoryEventBusOptions = {}) {
    this.retain = options.retainPerTopic ?? 10_000;
    this.retryDelay = options.retryDelayMs ?? ((attempt) => Math.min(50 * 2 ** attempt, 2_000));
  }

  async publish(messages: EventMessage[]): Promise<void> {
    if (this.closed) throw new Error('event bus is closed');
    const touched = new Set<TopicLog>();
    for (const message of messages) {
      const log = this.topic(message.topic);
      log.messages.push(structuredClone(message));
      const excess = log.messages.length - this.retain;
      if (excess > 0) {
        log.messages.splice(0, excess);
        log.base += excess;
      }
      touched.add(log);
    }
    for (const log of touched) for (const group of log.groups.values()) this.pump(log, group);
  }

  async subscribe({ group: groupId, topic, handler }: SubscriptionOptions): Promise<Subscription> {
    if (this.closed) throw new Error('event bus is closed');
    const log = this.topic(topic);
    let group = log.groups.get(groupId);
    if (!group) {
      group = {
        offset: log.base,
        members: [],
        nextMember: 0,
        pumping: false,
        pending: false,
        inFlight: Promise.resolve(),
      };
      log.groups.set(groupId, group);
    }
    const member: Member = { handler };
    group.members.push(member);
    this.pump(log, group);
    const joined = group;
    let closed = false;
    return {
      joined: Promise.resolve(),
      state: () => (closed ? 'closed' : 'joined'),
      lag: () => log.base + log.messages.length - Math.max(joined.offset, log.base),
      close: async () => {
        closed = true;
        joined.members = joined.members.filter((m) => m !== member);
        await joined.inFlight;
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [timer, wake] of this.sleepers) {
      clearTimeout(timer);
      wake();
    }
    this.sleepers.clear();
    const inFlight = [...this.topics.values()].flatMap((log) =>
      [...log.groups.values()].map((g) => g.inFlight),
    );
    await Promise.all(inFlight);
  }

  private topic(name: string): TopicLog {
    let log = this.topics.get(name);
    if (!log) {
      log = { base: 0, messages: [], groups: new Map() };
      this.topics.set(name, log);
    }
    return log;
  }

  private pump(log: TopicLog, group: Group): void {
    group.pending = true;
    if (group.pumping || this.closed) return;
    group.pumping = true;
    group.inFlight = (async () => {
      await Promise.resolve(); // never run a handler inside the publisher's call stack
      while (group.pending && !this.closed) {
        group.pending = false;
        await this.drain(log, group);
      }
      group.pumping = false;
    })();
  }

  private async drain(log: TopicLog, group: Group): Promise<void> {
    let attempt = 0;
    while (!this.closed && group.members.length > 0) {
      group.offset = Math.max(group.offset, log.base);
      const message = log.messages[group.offset - log.base];
      if (!message) return;
      const member = group.members[group.nextMember++ % group.members.length]!;
      try {
        await member.handler(structuredClone(message));
        group.offset += 1;
        attempt = 0;
      } catch {
        attempt += 1;
        await this.sleep(this.retryDelay(attempt));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepers.delete(timer);
        resolve();
      }, ms);
      this.sleepers.set(timer, resolve);
    });
  }
}
