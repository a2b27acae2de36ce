import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../packages/stack/src/embedded-postgres.js';
import { freePort } from '../packages/kit/src/testing/ports.js';
import { ensureWebBuild } from '../packages/stack/src/web-build.js';

/**
 * Builds the web front end when stale, and finds the infrastructure the suite runs against: PostgreSQL from TEST_DATABASE_URL, or an
 * embedded server started here for this run. Redis and Kafka are found by the tests that need them
 * (TEST_REDIS_URL; `kcat` on the PATH) and skip visibly when absent.
 */
export default async function setup(): Promise<() => Promise<void>> {
  // The launcher tests and the browser tests serve the web front end: build it once, up front.
  if (await ensureWebBuild()) console.log('[tests] web front end built (web/dist)');
  if (process.env.TEST_DATABASE_URL) {
    console.log(`[tests] PostgreSQL: ${process.env.TEST_DATABASE_URL}`);
    return async () => {};
  }
  const dir = await mkdtemp(join(tmpdir(), 'adboard-test-pg-'));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when the tests run as root
  const postgres = new EmbeddedPostgres({
    dataDir: join(dir, 'data'),
    port: await freePort(),
    ephemeral: true,
  });
  process.env.TEST_DATABASE_URL = await postgres.start();
  console.log(`[tests] PostgreSQL: embedded server for this run at ${process.env.TEST_DATABASE_URL}`);
  return async () => {
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
