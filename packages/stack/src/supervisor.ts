import { spawn, type ChildProcess } from 'node:child_process';

export interface SupervisorOptions {
  /** A run shorter than this that ends in a crash counts toward giving up. */
  stableAfterMs?: number;
  /** Crashes in a row, each within `stableAfterMs` of starting, before giving up. */
  maxFastCrashes?: number;
  /** The first restart's delay, doubled for each crash in a row (at most 8 s). */
  restartDelayMs?: number;
  log: (line: string) => void;
  /** Called once when a process keeps crashing: the stack cannot run without it. */
  onGiveUp: (name: string, reason: string) => void;
}

/** How a process ended, for a human. */
function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

/**
 * A child process kept running the way a process manager would: restarted after a crash with a
 * growing delay, each restart logged with its reason, and given up on (with `onGiveUp`) when it
 * crashes again and again right after starting. `stop` ends it within a bound: SIGTERM, then
 * SIGKILL.
 */
export class SupervisedProcess {
  private child?: ChildProcess;
  private startedAt = 0;
  private crashesInARow = 0;
  private restartTimer?: NodeJS.Timeout;
  private stopping = false;
  private readonly stableAfterMs: number;
  private readonly maxFastCrashes: number;
  private readonly restartDelayMs: number;

  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly options: SupervisorOptions,
  ) {
    this.stableAfterMs = options.stableAfterMs ?? 10_000;
    this.maxFastCrashes = options.maxFastCrashes ?? 5;
    this.restartDelayMs = options.restartDelayMs ?? 250;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.startedAt = Date.now();
    const child = spawn(process.execPath, this.args, {
      env: this.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    this.child = child;
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    this.options.log(`${this.name} started (pid ${child.pid})`);
  }

  /** SIGTERM, and SIGKILL if it is still running after `timeoutMs`; resolves once it has exited. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const kill = setTimeout(() => {
      this.options.log(`${this.name} did not stop within ${timeoutMs} ms; killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    await exited;
    clearTimeout(kill);
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child) return;
    const ranMs = Date.now() - this.startedAt;
    this.crashesInARow = ranMs >= this.stableAfterMs ? 1 : this.crashesInARow + 1;
    const how = `${describeExit(code, signal)} after ${(ranMs / 1000).toFixed(1)} s`;
    if (this.crashesInARow > this.maxFastCrashes) {
      this.options.onGiveUp(
        this.name,
        `${this.name} crashed ${this.crashesInARow} times in a row, each within ${this.stableAfterMs / 1000} s of starting (last: ${how}); giving up — its output above says why`,
      );
      return;
    }
    const delay = Math.min(this.restartDelayMs * 2 ** (this.crashesInARow - 1), 8_000);
    this.options.log(
      `${this.name} exited unexpectedly (${how}); restarting in ${delay} ms (crash ${this.crashesInARow} of ${this.maxFastCrashes} allowed in a row)`,
    );
    this.restartTimer = setTimeout(() => this.start(), delay);
  }
}
