import { systemClock, type Clock } from '../clock.js';
import type { KeyValueStore } from './types.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/** The embedded mode's store: a Map whose entries expire by the clock; expired ones are swept. */
export class InMemoryKeyValueStore implements KeyValueStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly clock: Clock = systemClock) {
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.clock.now() + ttlSeconds * 1000 });
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async getAndTouch(key: string, ttlSeconds: number): Promise<string | null> {
    const entry = this.live(key);
    if (!entry) return null;
    entry.expiresAt = this.clock.now() + ttlSeconds * 1000;
    return entry.value;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string, windowSeconds: number): Promise<{ count: number; resetInSeconds: number }> {
    const entry = this.live(key) ?? { value: '0', expiresAt: this.clock.now() + windowSeconds * 1000 };
    entry.value = String(Number(entry.value) + 1);
    this.entries.set(key, entry);
    return {
      count: Number(entry.value),
      resetInSeconds: Math.ceil((entry.expiresAt - this.clock.now()) / 1000),
    };
  }

  async decrement(key: string): Promise<void> {
    const entry = this.live(key);
    if (!entry) return;
    const count = Number(entry.value) - 1;
    if (count > 0) entry.value = String(count);
    else this.entries.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    for (const key of this.entries.keys()) this.live(key);
  }
}
