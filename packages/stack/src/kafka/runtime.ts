import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageDir } from '@adboard/kit';

/** The pinned broker: pom.xml (Maven coordinates and version) and the log configuration beside it. */
const kafkaDir = resolve(packageDir(import.meta.url), 'kafka');
export const LOG_CONFIG = join(kafkaDir, 'log4j2.properties');

/** A machine that cannot run the broker; the message says in one line what to do. */
export class KafkaUnavailableError extends Error {
  override name = 'KafkaUnavailableError';
}

export interface KafkaRuntime {
  version: string;
  /** The broker's runtime classpath (`<cache>/kafka-<version>/lib/*`). */
  classpath: string;
}

/**
 * Caches outside the clone, one convention with the deploy scripts: ADBOARD_CACHE, by default
 * /var/cache/adboard for root and ~/.cache/adboard for other users.
 */
export function adboardCache(): string {
  const own = process.env.ADBOARD_CACHE;
  if (own) return own;
  return process.getuid?.() === 0 ? '/var/cache/adboard' : join(homedir(), '.cache', 'adboard');
}

export function kafkaVersion(): string {
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(
    readFileSync(join(kafkaDir, 'pom.xml'), 'utf8'),
  )?.[1];
  if (!version) throw new Error(`no <kafka.version> in ${join(kafkaDir, 'pom.xml')}`);
  return version;
}

/**
 * The pinned Apache Kafka broker, fetched with Maven from Maven Central into the cache on first
 * use (about 45 jars, 43 MB) and taken from there afterwards, with no network and no Maven.
 */
export async function kafkaRuntime(missingHint: string): Promise<KafkaRuntime> {
  requireJava(missingHint);
  const version = kafkaVersion();
  const dir = join(adboardCache(), `kafka-${version}`);
  if (!existsSync(join(dir, 'lib'))) await fetchInto(dir, missingHint);
  return { version, classpath: join(dir, 'lib', '*') };
}

/** Resolves into a folder of its own, then renames it into place: a folder that exists is complete. */
async function fetchInto(dir: string, missingHint: string): Promise<void> {
  if (!runs('mvn', ['-v'])) throw unavailable('mvn is not on the PATH', missingHint);
  const partial = `${dir}.fetching-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  try {
    await copyFile(join(kafkaDir, 'pom.xml'), join(partial, 'pom.xml'));
    const mvn = spawnSync(
      'mvn',
      ['-q', '-B', 'dependency:copy-dependencies', '-DoutputDirectory=lib', '-DincludeScope=runtime'],
      { cwd: partial, encoding: 'utf8' },
    );
    if (mvn.status !== 0)
      throw new Error(
        `Maven could not fetch Apache Kafka ${kafkaVersion()} (exit ${mvn.status}): ${`${mvn.stdout}${mvn.stderr}`.trim().split('\n').slice(-5).join(' ')}`,
      );
    await rename(partial, dir).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(join(dir, 'lib'))) throw error; // else another run's fetch finished first
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

function requireJava(missingHint: string): void {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) throw unavailable('java is not on the PATH', missingHint);
  const major = Number(/version "(\d+)/.exec(java.stderr)?.[1] ?? 0);
  if (major < 17) throw unavailable(`java is version ${major || 'unknown'}`, missingHint);
}

function runs(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

function unavailable(why: string, missingHint: string): KafkaUnavailableError {
  return new KafkaUnavailableError(
    `Kafka needs Java 17+ and Maven (${why}): apt-get install openjdk-17-jre-headless maven; or ${missingHint}`,
  );
}
