/** A background loop a service runs beside its HTTP server (outbox relay, event consumer, cleanup job). */
export interface Worker {
  readonly name: string;
  /** Starts the loop; resolves once it runs (not once it has caught up with anything). */
  start(): Promise<void>;
  /** Finishes the work in hand, then stops. */
  stop(): Promise<void>;
  /** A word for `/ready`'s detail, for workers whose state an operator wants to see (e.g. `joined`). */
  state?(): string;
}
