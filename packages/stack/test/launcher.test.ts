import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, FaultProxy, freePort, freePortRun, waitFor } from '@adboard/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, launchStack, type StackProcess } from './support/stack-process.js';

/**
 * `npm start` as a user runs it: a real process, its own embedded PostgreSQL (the time to ready is
 * printed, not asserted: a figure, on a shared machine),
 * surviving a kill -9, refusing a second start on the same data folder, stopping everything
 * (PostgreSQL included) on SIGTERM.
 */
let dataDir: string;
let env: NodeJS.ProcessEnv;
let gatewayPort: number;
const launched: StackProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'adboard-stack-'));
  await chmod(dataDir, 0o755);
  gatewayPort = await freePort();
  env = {
    ...process.env,
    GATEWAY_PORT: String(gatewayPort),
    STACK_DATA_DIR: dataDir,
    STACK_POSTGRES_PORT: String(await freePort()),
    STACK_SERVICE_PORT_BASE: String(await freePortRun(6)),
    LOG_LEVEL: 'warn',
  };
});
afterAll(async () => {
  for (const stack of launched) if (stack.groupAlive()) process.kill(-stack.child.pid!, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

function launch(extraEnv: NodeJS.ProcessEnv = {}): StackProcess {
  const stack = launchStack('start', { ...env, ...extraEnv });
  launched.push(stack);
  return stack;
}

async function postmasterPid(): Promise<number | undefined> {
  const file = join(dataDir, 'postgres', 'postmaster.pid');
  return existsSync(file) ? Number((await readFile(file, 'utf8')).split('\n')[0]) : undefined;
}

/** The launcher itself: the node process npm started (npm → sh → node). */
function launcherPid(): number {
  return JSON.parse(readFileSync(join(dataDir, 'stack.lock'), 'utf8')).pid;
}

describe('npm start (the embedded launcher)', { timeout: 120_000 }, () => {
  it('serves registration → login → /auth → profile, survives kill -9, refuses a second start, stops cleanly', async () => {
    const first = launch();
    const startupMs = await first.ready;
    console.log(`[stack] first start (initdb included) ready in ${startupMs} ms`);
    const base = `http://127.0.0.1:${gatewayPort}`;
    const username = `stack_${Date.now()}`;
    const registered = await call(base, 'POST', '/app-user/api/v1/user/create', {
      body: {
        username,
        password: 'password',
        firstName: 'A',
        lastName: 'B',
        email: `${username}@mail.ru`,
        phone: 7,
      },
    });
    expect(registered.status).toBe(200);

    process.kill(-first.child.pid!, 'SIGKILL'); // npm, the launcher: all but PostgreSQL, as a crash would
    await waitFor(() => !first.groupAlive(), { what: 'the first stack to die' });
    const orphan = await postmasterPid();
    expect(orphan && alive(orphan)).toBe(true);

    const second = launch();
    await second.ready;
    expect(alive(orphan!)).toBe(false);
    const login = await call(base, 'POST', '/app-auth/api/v1/login', {
      body: { username, password: 'password' },
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const profile = () =>
      call(base, 'GET', `/app-user/api/v1/user/${registered.body.data.id}`, { headers: { cookie } });
    expect((await profile()).status).toBe(200);
    expect((await profile()).body.data.username).toBe(username);

    // A second `npm start` on the same folder refuses at once and leaves the running one alone.
    const pid = await postmasterPid();
    const refused = launch();
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(`adboard is already running from ${dataDir}`);
    expect(refused.output()).toContain(`pid ${launcherPid()}`);
    expect(refused.output()).not.toMatch(/\n\s+at /);
    expect(alive(pid!)).toBe(true);
    expect((await profile()).status).toBe(200);

    process.kill(-second.child.pid!, 'SIGTERM');
    await second.exited;
    await waitFor(() => !second.groupAlive() && !alive(pid!), { what: 'the stack and PostgreSQL to stop' });
    expect(second.output()).toContain('adboard stopped');
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it('stops within 5 s with tracing on and a collector that takes the connection but never answers', async () => {
    const collector = (await FaultProxy.start('http://127.0.0.1:1')).inject('/', 'hang', Infinity);
    try {
      const stack = launch({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
      await stack.ready;
      expect((await call(`http://127.0.0.1:${gatewayPort}`, 'GET', '/app-adv/api/v1/board')).status).toBe(
        200,
      );
      const started = Date.now();
      process.kill(-stack.child.pid!, 'SIGTERM');
      await stack.exited;
      await waitFor(() => !stack.groupAlive(), { timeoutMs: 20_000, what: 'the stack to stop' });
      const stopMs = Date.now() - started;
      console.log(`[stack] stop with a silent collector: ${stopMs} ms`);
      expect(collector.requestsTo('/v1/traces')).toBeGreaterThan(0);
      expect(stack.output()).toContain('adboard stopped');
      expect(stopMs).toBeLessThan(5_000);
    } finally {
      await collector.stop();
    }
  });
});
