import { randomUUID } from 'node:crypto';
import { call } from './http.js';
import { waitFor } from './wait.js';

/** A registered, logged-in user of a running stack, as a client holding a session sees it. */
export interface StackUser {
  id: number;
  username: string;
  cookie: string;
}

/**
 * Registers and logs in `count` users through the entry point at `base`, four at a time (password
 * hashing is deliberately slow); resolves once their accounts are open.
 */
export async function stackUsers(base: string, count: number, prefix = 'load'): Promise<StackUser[]> {
  const tag = `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const users: StackUser[] = [];
  for (let first = 0; first < count; first += 4)
    users.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(4, count - first) }, (_, i) => register(first + i)),
      )),
    );
  return users;

  async function register(index: number): Promise<StackUser> {
    const username = `${tag}_${index}`;
    const created = await call(base, 'POST', '/app-user/api/v1/user/create', {
      body: {
        username,
        password: 'password',
        firstName: 'Load',
        lastName: 'Test',
        email: `${username}@mail.ru`,
        phone: 79000000000,
      },
    });
    if (created.status !== 200) throw new Error(`registration answered ${created.status}`);
    const login = await call(base, 'POST', '/app-auth/api/v1/login', {
      body: { username, password: 'password' },
    });
    if (login.status !== 200) throw new Error(`login answered ${login.status}`);
    const user = {
      id: created.body.data.id as number,
      username,
      cookie: login.headers.getSetCookie()[0]!.split(';')[0]!,
    };
    await waitFor(
      async () =>
        (
          await call(base, 'GET', `/app-billing/api/v1/account/${user.id}`, {
            headers: { cookie: user.cookie },
          })
        ).status === 200,
      { what: `the account of ${username}`, timeoutMs: 10_000 },
    );
    return user;
  }
}

export interface LoadReport {
  requests: number;
  /** Answers by status code; `network` counts requests that got no answer at all. */
  statuses: Record<string, number>;
}

export interface RunningLoad {
  /** The figures so far (updated as answers arrive). */
  readonly report: LoadReport;
  /** Lets every request in flight finish, then resolves with the figures. */
  stop(): Promise<LoadReport>;
}

/**
 * Top-ups, purchases and reads by every user in parallel until stopped: the traffic a stack meets
 * from real clients (keep-alive connections through the entry point, idempotency keys).
 */
export function startLoad(base: string, users: StackUser[]): RunningLoad {
  const report: LoadReport = { requests: 0, statuses: {} };
  const stopping = new AbortController();
  const count = (status: number | 'network') => {
    report.requests += 1;
    report.statuses[status] = (report.statuses[status] ?? 0) + 1;
  };
  const send = async (method: string, path: string, user: StackUser, body?: unknown) => {
    try {
      const answer = await call(base, method, path, {
        ...(body === undefined ? {} : { body }),
        headers: { cookie: user.cookie, 'x-idempotency-key': randomUUID() },
      });
      count(answer.status);
    } catch {
      count('network');
    }
  };
  const running = Promise.all(
    users.map(async (user) => {
      while (!stopping.signal.aborted) {
        await send('PUT', `/app-billing/api/v1/account/top-up/${user.id}`, user, { sum: 100 });
        await send('POST', '/app-adv/api/v1/adv/create', user, { title: 'Load', text: 'x'.repeat(50) });
        await send('GET', `/app-billing/api/v1/account/${user.id}`, user);
      }
    }),
  );
  return {
    report,
    stop: async () => {
      stopping.abort();
      await running;
      return report;
    },
  };
}
