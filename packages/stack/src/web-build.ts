import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: the first folder above this file with web/package.json (from src/ or dist/). */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'web', 'package.json'))) {
    if (dirname(dir) === dir) throw new Error('web/package.json not found above the launcher');
    dir = dirname(dir);
  }
  return dir;
}

// No workspace imports: the test suite's global setup loads this file as it is, without `source`.
const root = repositoryRoot();
const webDir = join(root, 'web');

/** The web front end's build, which the gateway serves at `/`. */
export const webBuildDir = join(webDir, 'dist');

const stampFile = join(webBuildDir, '.build-hash');
const lockDir = join(webDir, '.build-lock');
const STALE_LOCK_MS = 120_000;

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** A hash of everything the build is made from: its sources, its configuration and the lockfile. */
export async function webSourceHash(): Promise<string> {
  const files = [
    ...(await filesUnder(join(webDir, 'src'))),
    ...(await filesUnder(join(webDir, 'public'))),
    ...['index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'].map((file) => join(webDir, file)),
    join(root, 'package-lock.json'),
  ]
    .filter((file) => existsSync(file))
    .sort();
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(relative(root, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  return hash.digest('hex');
}

/** Takes the build lock (a directory: mkdir is atomic), waiting for another builder, or breaking a stale lock. */
async function lock(): Promise<() => Promise<void>> {
  const deadline = Date.now() + STALE_LOCK_MS + 10_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (await stat(lockDir).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > STALE_LOCK_MS) await rm(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${lockDir} is held too long; delete it if no build runs`);
      await new Promise((done) => setTimeout(done, 200));
    }
  }
}

function runVite(): Promise<void> {
  const vitePackage = createRequire(join(webDir, 'package.json')).resolve('vite/package.json');
  const bin = join(dirname(vitePackage), 'bin', 'vite.js');
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, 'build', '--logLevel', 'warn'], {
      cwd: webDir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`vite build exited with ${code}`))));
  });
}

/**
 * Builds the web front end (web/dist) when its build is missing or was made from other sources than
 * the current ones, and says whether it built. Concurrent callers wait for one build.
 */
export async function ensureWebBuild(log: (line: string) => void = () => undefined): Promise<boolean> {
  const wanted = await webSourceHash();
  const current = async () => (await readFile(stampFile, 'utf8').catch(() => '')).trim();
  if ((await current()) === wanted && existsSync(join(webBuildDir, 'index.html'))) return false;
  const unlock = await lock();
  try {
    if ((await current()) === wanted && existsSync(join(webBuildDir, 'index.html'))) return false;
    log('building the web front end (web/dist)…');
    const started = Date.now();
    await runVite();
    await writeFile(stampFile, `${wanted}\n`);
    log(`web front end built in ${Date.now() - started} ms`);
    return true;
  } finally {
    await unlock();
  }
}
