import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder (packages/charts/test/support → ../../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export const repoPath = (...parts: string[]) => join(repoRoot, ...parts);
