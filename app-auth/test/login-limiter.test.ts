import { randomUUID } from 'node:crypto';
import {
  BusinessError,
  InMemoryKeyValueStore,
  RedisKeyValueStore,
  TooManyRequestsError,
  type KeyValueStore,
  type UserClaims,
} from '@adboard/kit';
import { waitFor } from '@adboard/kit/testing';
import { describe, expect, it } from 'vitest';
import { CREDENTIALS_INCORRECT } from '../src/data/user-directory.js';
import { LoginLimiter } from '../src/domain/login-limiter.js';
import { logIn } from '../src/domain/login.js';
import { Sessions } from '../src/domain/sessions.js';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.warn('[skip] login lock-out on Redis: TEST_REDIS_URL is not set');

const PASSWORD = 'right-password';
const OWNER: UserClaims = { id: 1, username: 'owner', email: 'owner@mail.ru' };

/**
 * A user directory whose password checks are counted and held until `release()`: every attempt is
 * then either at the check or refused before it at once, the interleaving that raced the lock-out.
 */
function heldDirectory() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const directory = {
    checks: 0,
    release,
    async checkCredentials(_username: string, password: string): Promise<UserClaims> {
      directory.checks += 1;
      await released;
      if (password !== PASSWORD) throw new BusinessError(CREDENTIALS_INCORRECT);
      return OWNER;
    },
  };
  return directory;
}

const stores: [string, () => KeyValueStore][] = [['in memory', () => new InMemoryKeyValueStore()]];
if (redisUrl) stores.push(['Redis', () => new RedisKeyValueStore(redisUrl, `test-login-${randomUUID()}:`)]);

describe.each(stores)('the login lock-out (%s)', (_name, makeStore) => {
  async function parallelLogins(count: number, password: string, failures = 10) {
    const store = makeStore();
    const users = heldDirectory();
    const deps = {
      users,
      sessions: new Sessions(store, 600),
      limiter: new LoginLimiter(store, { failures, windowSeconds: 60 }),
    };
    const username = `guessed_${randomUUID()}`;
    let refused = 0;
    const attempts = Array.from({ length: count }, () =>
      logIn(deps, { username, password }).then(
        () => 'logged in',
        (error: unknown) => {
          if (error instanceof TooManyRequestsError) refused += 1;
          return error instanceof TooManyRequestsError ? 429 : error instanceof BusinessError ? 400 : error;
        },
      ),
    );
    await waitFor(() => users.checks + refused === count, {
      what: 'every attempt to reach the password check or be refused',
    });
    users.release();
    const outcomes = await Promise.all(attempts);
    const later = (password: string) => logIn(deps, { username, password }).catch((error: unknown) => error);
    return { outcomes, checks: users.checks, later, close: () => store.close() };
  }

  const count = (outcomes: unknown[], outcome: unknown) => outcomes.filter((o) => o === outcome).length;

  it('checks at most the limit of 100 parallel wrong guesses and refuses the rest with 429', async () => {
    const run = await parallelLogins(100, 'wrong');
    try {
      expect(run.checks).toBeLessThanOrEqual(10);
      expect(count(run.outcomes, 400)).toBe(run.checks);
      expect(count(run.outcomes, 429)).toBe(100 - run.checks);
      // The username is locked now, even for the right password.
      expect(await run.later(PASSWORD)).toBeInstanceOf(TooManyRequestsError);
    } finally {
      await run.close();
    }
  });

  it('gives back what successful logins reserved: they do not count towards the lock', async () => {
    const run = await parallelLogins(5, PASSWORD, 5);
    try {
      expect(count(run.outcomes, 'logged in')).toBe(5);
      for (let i = 0; i < 4; i += 1) expect(await run.later('wrong')).toBeInstanceOf(BusinessError);
      expect(typeof (await run.later(PASSWORD))).toBe('string'); // a session id: 4 failures of 5
      expect(await run.later('wrong')).toBeInstanceOf(BusinessError);
      expect(await run.later(PASSWORD)).toBeInstanceOf(TooManyRequestsError);
    } finally {
      await run.close();
    }
  });
});
