import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freePortRun } from '@adboard/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchStack } from './support/stack-process.js';

/**
 * A start that cannot work says why in one line that names the variable to change, before it has
 * started anything (no PostgreSQL, no lock left behind), and without a stack trace.
 */
let dataDir: string;
let taken: Server;
let takenPort: number;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'adboard-refusals-'));
  await chmod(dataDir, 0o755);
  takenPort = await freePort();
  taken = createServer().listen(takenPort, '127.0.0.1');
  env = {
    ...process.env,
    GATEWAY_PORT: String(await freePort()),
    STACK_DATA_DIR: dataDir,
    STACK_POSTGRES_PORT: String(await freePort()),
    STACK_SERVICE_PORT_BASE: String(await freePortRun(6)),
    LOG_LEVEL: 'warn',
  };
});
afterAll(async () => {
  taken.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function refusal(script: 'start' | 'start:distributed', extra: NodeJS.ProcessEnv): Promise<string> {
  const stack = launchStack(script, { ...env, ...extra });
  expect(await stack.exited).toBe(1);
  const output = stack.output();
  expect(output).not.toMatch(/\n\s+at /); // no stack trace
  expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  expect(existsSync(join(dataDir, 'stack.lock'))).toBe(false);
  return output.trim();
}

const distributed = {
  DATABASE_SERVER_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  REDIS_URL: 'redis://127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
};

describe('a start that cannot work', { timeout: 60_000 }, () => {
  it('names GATEWAY_PORT when the entry point port is taken', async () => {
    expect(await refusal('start', { GATEWAY_PORT: String(takenPort) })).toBe(
      `Port ${takenPort} on 127.0.0.1 (for the entry point) is already in use by another program: stop it, or set GATEWAY_PORT to a free port`,
    );
  });

  it('names STACK_SERVICE_PORT_BASE when a service port is taken', async () => {
    const output = await refusal('start', { STACK_SERVICE_PORT_BASE: String(takenPort - 2) });
    expect(output).toContain(`Port ${takenPort} on 127.0.0.1 (for app-billing) is already in use`);
    expect(output).toContain('set STACK_SERVICE_PORT_BASE');
  });

  it('names STACK_POSTGRES_PORT when the PostgreSQL port is taken', async () => {
    expect(await refusal('start', { STACK_POSTGRES_PORT: String(takenPort) })).toContain(
      'set STACK_POSTGRES_PORT to a free port',
    );
  });

  it('names LOG_LEVEL and its choices', async () => {
    expect(await refusal('start', { LOG_LEVEL: 'verbose' })).toBe(
      'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    );
  });

  it('names a service setting before any service starts', async () => {
    expect(await refusal('start', { BONUS_PERCENT: '200' })).toBe(
      'Invalid configuration: BONUS_PERCENT: Expected integer to be less or equal to 100 (got 200) (read by app-bonus)',
    );
    expect(await refusal('start:distributed', { ...distributed, BONUS_PERCENT: '200' })).toBe(
      'Invalid configuration: BONUS_PERCENT: Expected integer to be less or equal to 100 (got 200) (read by app-bonus)',
    );
  });

  it('names GATEWAY_PORT in the distributed mode too', async () => {
    expect(await refusal('start:distributed', { ...distributed, GATEWAY_PORT: String(takenPort) })).toContain(
      'set GATEWAY_PORT to a free port',
    );
  });

  it("gives PostgreSQL's own reason when it cannot start", async () => {
    const broken = join(dataDir, 'postgres');
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, 'PG_VERSION'), '18\n'); // a data folder that is not one
    await chmod(broken, 0o777);
    const output = await refusal('start', {});
    expect(output).toMatch(
      /^adboard could not start: PostgreSQL did not start on port \d+ \(STACK_POSTGRES_PORT\): .+/,
    );
    expect(output).toContain(`see ${join(broken, 'postgres.log')}`);
    await rm(broken, { recursive: true, force: true });
  });
});
