import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, waitFor, type StackUser } from '@adboard/kit/testing';

export const repositoryRoot = join(import.meta.dirname, '..', '..', '..', '..');

/** Load tests send more money requests per user than the default rate limits allow a person. */
export const LOAD_TEST_LIMITS = {
  MONEY_LIMIT_PER_USER: '1000000',
  REGISTRATION_LIMIT_PER_ADDRESS: '1000000',
  LOGIN_LIMIT_PER_ADDRESS: '1000000',
  BOARD_LIMIT_PER_ADDRESS: '1000000',
};

export interface StackProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the milliseconds to "is ready"; rejects if it exits first. */
  ready: Promise<number>;
  /** Resolves once npm has exited: its code, or the signal it ended on (npm ends on the Ctrl-C it got). */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Ctrl-C in its terminal: SIGINT to its whole process group. */
  interrupt(): void;
  /** Whether any process of its group (npm, the launcher, the services) still runs. */
  groupAlive(): boolean;
}

/**
 * `npm run <script>` as a user runs it in a terminal: its own process group, so a Ctrl-C reaches
 * npm, the launcher and everything the launcher started in that group at once.
 */
export function launchStack(script: 'start' | 'start:distributed', env: NodeJS.ProcessEnv): StackProcess {
  const started = Date.now();
  const child = spawn('npm', ['run', '--silent', script], {
    cwd: repositoryRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('is ready')) resolve(Date.now() - started);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`npm run ${script} exited with ${code}:\n${output}`)));
  });
  ready.catch(() => undefined);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  return {
    child,
    output: () => output,
    ready,
    exited,
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
    groupAlive: () => {
      try {
        process.kill(-child.pid!, 0);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** A running process; a zombie (exited, not yet reaped) does not count. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Milliseconds until `user` can top up through the entry point again (within `timeoutMs`). */
export async function timeToServe(base: string, user: StackUser, timeoutMs = 5_000): Promise<number> {
  const started = Date.now();
  await waitFor(
    async () =>
      (
        await call(base, 'PUT', `/app-billing/api/v1/account/top-up/${user.id}`, {
          body: { sum: 1 },
          headers: { cookie: user.cookie, 'x-idempotency-key': `probe-${Date.now()}-${Math.random()}` },
        })
      ).status === 200,
    { timeoutMs, intervalMs: 50, what: 'a top-up through the entry point to succeed again' },
  );
  return Date.now() - started;
}
