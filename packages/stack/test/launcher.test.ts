import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, freePort, waitFor } from '@adboard/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm start` as a user runs it: a real process, its own embedded PostgreSQL, ready within 20 s,
 * surviving a kill -9, stopping everything (PostgreSQL included) on SIGTERM.
 */
let dataDir: string;
let env: Record<string, string>;
let gatewayPort: number;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'adboard-stack-'));
  await chmod(dataDir, 0o755);
  gatewayPort = await freePort();
  env = {
    ...(process.env as Record<string, string>),
    GATEWAY_PORT: String(gatewayPort),
    STACK_DATA_DIR: dataDir,
    STACK_POSTGRES_PORT: String(await freePort()),
    STACK_SERVICE_PORT_BASE: String(20000 + Math.floor(Math.random() * 20000)),
    LOG_LEVEL: 'warn',
  };
});
const launched: ChildProcess[] = [];
afterAll(async () => {
  for (const child of launched)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

function launch(): { child: ChildProcess; ready: Promise<number>; output: () => string } {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'packages/stack/src/main.ts'],
    {
      cwd: join(import.meta.dirname, '..', '..', '..'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('adboard is ready')) resolve(Date.now() - started);
    });
    child.on('exit', (code) => reject(new Error(`launcher exited with ${code}: ${output}`)));
  });
  return { child, ready, output: () => output };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

async function postmasterPid(): Promise<number | undefined> {
  const file = join(dataDir, 'postgres', 'postmaster.pid');
  return existsSync(file) ? Number((await readFile(file, 'utf8')).split('\n')[0]) : undefined;
}

/** A running process; a zombie (exited, not yet reaped by a container's init) does not count. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('npm start (the embedded launcher)', { timeout: 120_000 }, () => {
  it('serves registration → login → /auth → profile within 20 s, survives kill -9, stops cleanly', async () => {
    const first = launch();
    const startupMs = await first.ready;
    console.log(`[stack] first start (initdb included) ready in ${startupMs} ms`);
    expect(startupMs).toBeLessThan(20_000);
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

    first.child.kill('SIGKILL');
    await exited(first.child);
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
    const profile = await call(base, 'GET', `/app-user/api/v1/user/${registered.body.data.id}`, {
      headers: { cookie },
    });
    expect(profile.status).toBe(200);
    expect(profile.body.data.username).toBe(username);

    const pid = await postmasterPid();
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
    expect(second.output()).toContain('adboard stopped');
    await waitFor(() => !alive(pid!), { what: 'PostgreSQL to stop' });
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });
});
