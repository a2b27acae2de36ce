import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MALLOC_SETTINGS, memorySettings } from '../src/process-memory.js';

const repo = join(import.meta.dirname, '..', '..', '..');

/** The runtime stage's ENV settings in the Dockerfile, continuation lines joined. */
function imageEnv(): Record<string, string> {
  const dockerfile = readFileSync(join(repo, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const settings = [...runtime.matchAll(/^ENV\s+(.*)$/gm)].flatMap((match) => match[1]!.trim().split(/\s+/));
  return Object.fromEntries(
    settings.map((setting) => setting.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
}

describe('the malloc settings service processes start with', () => {
  it('are added to the environment, which keeps what it sets itself', () => {
    expect(memorySettings({ A: 'b' })).toEqual({ A: 'b', MALLOC_MMAP_THRESHOLD_: '131072' });
    expect(memorySettings({ MALLOC_MMAP_THRESHOLD_: '65536' })).toEqual({ MALLOC_MMAP_THRESHOLD_: '65536' });
  });

  it('are the container image’s', () => {
    expect(imageEnv()).toMatchObject(MALLOC_SETTINGS);
  });
});
