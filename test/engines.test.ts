import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * The Node.js range the project declares is true: every installed package accepts its lowest
 * version and the one running the tests, so `npm install` warns about no engine.
 */
const root = join(import.meta.dirname, '..');
const declared = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node as string;
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};

describe('the declared Node.js range', () => {
  it(`(${declared}) suits every package in the lockfile, at its lowest version and at ${process.version}`, () => {
    const lowest = semver.minVersion(declared)!.version;
    const refusing = Object.entries(lock.packages)
      .map(([path, entry]) => [path, Array.isArray(entry.engines) ? undefined : entry.engines?.node] as const)
      .filter(([, range]) => range !== undefined)
      .filter(([, range]) => !semver.satisfies(lowest, range!) || !semver.satisfies(process.version, range!))
      .map(([path, range]) => `${path} wants node ${range}`);
    expect(refusing).toEqual([]);
    expect(semver.satisfies(process.version, declared)).toBe(true);
  });
});
