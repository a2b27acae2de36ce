import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { EmbeddedPostgres } from '../packages/stack/src/embedded-postgres.js';
import { parseSettings, startKafkaCluster } from '../packages/stack/src/kafka/cluster.js';
import { KafkaUnavailableError } from '../packages/stack/src/kafka/runtime.js';
import { freePort } from '../packages/kit/src/testing/ports.js';
import { ensureWebBuild } from '../packages/stack/src/web-build.js';

type Stop = () => Promise<void>;

/**
 * Builds the web front end when stale, and finds the infrastructure the suite runs against:
 * PostgreSQL from TEST_DATABASE_URL, or an embedded server started here for this run; Kafka from
 * TEST_KAFKA_BROKERS, or a real 3-node cluster started here when a file of the run uses it. Redis
 * is found by the tests that need it (TEST_REDIS_URL), which skip visibly when it is absent.
 */
export default async function setup(project: TestProject): Promise<Stop> {
  // The launcher tests and the browser tests serve the web front end: build it once, up front.
  if (await ensureWebBuild()) console.log('[tests] web front end built (web/dist)');
  const stops = [await postgres()];
  try {
    // The files of this run (vitest's state API, experimental: collected before the global setup runs).
    stops.push(await kafka(project.vitest.state.getPaths()));
  } catch (error) {
    await stops[0]!();
    throw error;
  }
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}

async function postgres(): Promise<Stop> {
  if (process.env.TEST_DATABASE_URL) {
    console.log(`[tests] PostgreSQL: ${process.env.TEST_DATABASE_URL}`);
    return async () => {};
  }
  const dir = await mkdtemp(join(tmpdir(), 'adboard-test-pg-'));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when the tests run as root
  const server = new EmbeddedPostgres({
    dataDir: join(dir, 'data'),
    port: await freePort(),
    ephemeral: true,
  });
  process.env.TEST_DATABASE_URL = await server.start();
  console.log(`[tests] PostgreSQL: embedded server for this run at ${process.env.TEST_DATABASE_URL}`);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

/**
 * One cluster for the whole run, shared by its files (each uses topics and groups of its own), and
 * only for a run with a file that calls `testKafka()`: a run of other files does not wait for it.
 * Without Java or Maven the Kafka tests skip, saying what to install; CI always has a cluster.
 */
async function kafka(files: string[]): Promise<Stop> {
  if (process.env.TEST_KAFKA_BROKERS) {
    console.log(`[tests] Kafka: ${process.env.TEST_KAFKA_BROKERS}`);
    return async () => {};
  }
  if (!files.some((file) => readFileSync(file, 'utf8').includes('testKafka('))) return async () => {};
  const started = Date.now();
  try {
    const cluster = await startKafkaCluster({
      settings: parseSettings(process.env.KAFKA_CLUSTER_SETTINGS),
      missingHint: 'set TEST_KAFKA_BROKERS to an existing cluster',
    });
    process.env.TEST_KAFKA_BROKERS = cluster.brokers;
    console.log(
      `[tests] Kafka: Apache Kafka ${cluster.version}, ${cluster.pids.length} nodes for this run at ${cluster.brokers} (serving after ${Date.now() - started} ms)`,
    );
    return () => cluster.stop();
  } catch (error) {
    if (!(error instanceof KafkaUnavailableError) || process.env.CI) throw error;
    process.env.TEST_KAFKA_SKIP = error.message;
    console.warn(`[tests] Kafka: ${error.message} — the Kafka tests skip`);
    return async () => {};
  }
}
