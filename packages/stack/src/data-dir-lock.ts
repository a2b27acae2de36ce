import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@adboard/kit';

interface Holder {
  pid: number;
  mode: string;
  url: string;
}

const FILE = 'stack.lock';

/** True when `pid` is a live process that is one of our launchers (not a recycled pid). */
function isLauncher(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('packages/stack');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One stack per data directory: a second start refuses at once, naming the one that runs, instead
 * of taking over its PostgreSQL. A lock left by a launcher that died (kill -9) is taken over.
 */
export async function lockDataDir(dataDir: string, mode: string, url: string): Promise<() => Promise<void>> {
  const file = join(dataDir, FILE);
  const mine: Holder = { pid: process.pid, mode, url };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(file, JSON.stringify(mine), { flag: 'wx' });
      return async () => {
        const holder = await readFile(file, 'utf8').catch(() => '');
        if (holder === JSON.stringify(mine)) await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Partial<Holder>;
    if (holder.pid && holder.pid !== process.pid && isLauncher(holder.pid))
      throw new ConfigError(
        `adboard is already running from ${dataDir} (${holder.mode ?? 'a launcher'}, pid ${holder.pid}, ${holder.url ?? ''}): ` +
          'use that one, stop it first (Ctrl-C in its terminal, or kill ' +
          `${holder.pid}), or set STACK_DATA_DIR to another folder for a second stack`,
      );
    await rm(file, { force: true }); // left by a launcher that no longer runs
  }
  throw new ConfigError(`could not lock ${file}: another launcher is starting from the same folder`);
}
