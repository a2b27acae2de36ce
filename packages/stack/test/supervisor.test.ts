import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@adboard/kit/testing';
import { describe, expect, it } from 'vitest';
import { SupervisedProcess } from '../src/supervisor.js';
import { alive } from './support/stack-process.js';

const script = (code: string) => ['-e', code];

function supervise(args: string[], options: { stableAfterMs?: number } = {}) {
  const lines: string[] = [];
  let gaveUp: string | undefined;
  const child = new SupervisedProcess('worker', args, process.env, {
    log: (line) => void lines.push(line),
    onGiveUp: (_name, reason) => (gaveUp = reason),
    restartDelayMs: 10,
    maxFastCrashes: 3,
    ...options,
  });
  return { child, lines, gaveUp: () => gaveUp };
}

describe('SupervisedProcess', () => {
  it('restarts a crashed process with a growing delay and gives up after repeated fast crashes', async () => {
    const { child, lines, gaveUp } = supervise(script('process.exit(3)'));
    child.start();
    const reason = await waitFor(gaveUp, { what: 'the supervisor to give up' });
    expect(reason).toBe(
      'worker crashed 4 times in a row, each within 10 s of starting (last: exit code 3 after ' +
        reason.match(/after ([\d.]+) s/)![1] +
        ' s); giving up — its output above says why',
    );
    const restarts = lines.filter((line) => line.includes('restarting in'));
    expect(restarts.map((line) => line.match(/restarting in (\d+) ms/)![1])).toEqual(['10', '20', '40']);
    expect(restarts[0]).toMatch(
      /^worker exited unexpectedly \(exit code 3 after [\d.]+ s\); restarting in 10 ms/,
    );
  });

  it('restarts a process killed after it ran long enough, without counting toward giving up', async () => {
    const { child, lines, gaveUp } = supervise(script('setInterval(() => {}, 1000)'), { stableAfterMs: 0 });
    child.start();
    for (let kill = 1; kill <= 5; kill += 1) {
      const pid = child.pid!;
      process.kill(pid, 'SIGKILL');
      await waitFor(() => child.pid !== pid && alive(child.pid!), { what: `restart ${kill}` });
    }
    expect(gaveUp()).toBeUndefined();
    expect(lines.filter((line) => line.includes('killed by SIGKILL'))).toHaveLength(5);
    const last = child.pid!;
    await child.stop(1_000);
    expect(alive(last)).toBe(false);
  });

  it('kills a process that ignores SIGTERM once the stop timeout has passed', async () => {
    const marker = join(tmpdir(), `supervised-${process.pid}-${Date.now()}`);
    const { child, lines } = supervise(
      script(
        `process.on('SIGTERM', () => {}); require('fs').writeFileSync(${JSON.stringify(marker)}, ''); setInterval(() => {}, 1000)`,
      ),
    );
    child.start();
    const pid = child.pid!;
    await waitFor(() => existsSync(marker), { what: 'the child to ignore SIGTERM' });
    await rm(marker);
    const started = Date.now();
    await child.stop(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(alive(pid)).toBe(false);
    expect(lines).toContain('worker did not stop within 300 ms; killing it');
    expect(lines.some((line) => line.includes('restarting'))).toBe(false);
  });
});
