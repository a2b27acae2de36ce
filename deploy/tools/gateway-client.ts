import { randomUUID } from 'node:crypto';

/** A user's session through the entry point (the gateway): the cookie from login, JSON in and out. */
export class GatewaySession {
  private cookie = '';

  constructor(readonly baseUrl: string) {}

  async call(
    method: string,
    path: string,
    options: { body?: unknown; key?: string; timeoutMs?: number } = {},
  ): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.cookie) headers.cookie = this.cookie;
    if (options.key) headers['x-idempotency-key'] = options.key;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const setCookie = response.headers.getSetCookie()[0];
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Registers a new user and logs in; resolves once the user's billing and bonus accounts exist. */
  async registerAndLogin(): Promise<number> {
    const username = `verify-${randomUUID().slice(0, 12)}`;
    const created = await this.call('POST', '/app-user/api/v1/user/create', {
      body: {
        username,
        password: 'verify-password',
        firstName: 'Verify',
        lastName: 'Deployment',
        email: `${username}@mail.ru`,
        phone: 79000000000,
      },
    });
    if (created.status !== 200)
      throw new Error(`registration: ${created.status} ${JSON.stringify(created.body)}`);
    const login = await this.call('POST', '/app-auth/api/v1/login', {
      body: { username, password: 'verify-password' },
    });
    if (login.status !== 200) throw new Error(`login: ${login.status}`);
    const id = created.body.data.id as number;
    await until(`accounts of user ${id}`, 30_000, async () => {
      const account = await this.call('GET', `/app-billing/api/v1/account/${id}`);
      const bonus = await this.call('GET', `/app-bonus/api/v1/bonus/${id}`);
      return account.status === 200 && bonus.status === 200;
    });
    return id;
  }
}

/** Polls `check` every 200 ms until it is true; throws naming `what` after `timeoutMs`. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet: the service may be restarting
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs `command` through the shell, resolving with its exit code (its output goes to stderr). */
export async function runShell(command: string): Promise<number> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
