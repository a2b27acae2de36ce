/** A background loop a service runs beside its HTTP server (outbox relay, event consumer, cleanup job). */
export interface Worker {
  readonly name: string;
  start(): Promise<void>;
  /** Finishes the work in hand, then stops. */
  stop(): Promise<void>;
}
