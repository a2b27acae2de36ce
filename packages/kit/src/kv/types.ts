/**
 * A key-value store with expiry: sessions and rate-limit counters. Redis in the distributed
 * mode, process memory in the embedded mode; both pass the same contract tests.
 */
export interface KeyValueStore {
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  get(key: string): Promise<string | null>;
  /** Reads the value and restarts its expiry (a sliding window), atomically. */
  getAndTouch(key: string, ttlSeconds: number): Promise<string | null>;
  delete(key: string): Promise<void>;
  /** Adds one to a counter that expires `windowSeconds` after its first increment; returns the count. */
  increment(key: string, windowSeconds: number): Promise<{ count: number; resetInSeconds: number }>;
  /**
   * Takes one increment back, atomically, keeping the window; at zero the counter is gone. A counter
   * that has expired (or never was) is left alone: nothing is created, so nothing outlives a window.
   */
  decrement(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
