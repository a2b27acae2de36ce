import type { TObject } from '@sinclair/typebox';
import { afterAll, beforeAll } from 'vitest';
import type { ServiceModule } from '../main.js';
import { startTestAuthority, type TestAuthority } from './authority.js';
import { startTestService, type TestService, type TestServiceOptions } from './service.js';

/**
 * Starts something before a test file's tests and stops it after them (vitest `beforeAll` and
 * `afterAll`), handing back a stand-in for it that forwards to the real thing once started. Hooks
 * run in the order they were registered and stop in reverse, so a later `use…` may rely on an
 * earlier one.
 */
export function useStarted<T extends object>(
  what: string,
  start: () => Promise<T>,
  stop: (started: T) => Promise<void>,
): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    if (started) await stop(started);
  });
  return new Proxy({} as T, {
    get(_target, property) {
      if (!started) throw new Error(`${what} is used before its beforeAll ran`);
      const value = Reflect.get(started, property);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}

/** A test authority (real signing key, real JWKS endpoint) for the file's tests. */
export function useAuthority(): TestAuthority {
  return useStarted(
    'the test authority',
    () => startTestAuthority(),
    (authority) => authority.close(),
  );
}

export interface UseServiceOptions extends TestServiceOptions {
  /** The authority whose tokens the service accepts (sets `AUTH_JWKS_URL`). */
  authority?: TestAuthority;
}

/**
 * The setup every service test shares: `module` started for the file's tests (on a fresh test
 * database unless `database: false`) and stopped after them. Options may be a function, evaluated
 * when the service starts, when they depend on something started by an earlier hook.
 */
export function useService<S extends TObject>(
  module: ServiceModule<S>,
  options: UseServiceOptions | (() => UseServiceOptions | Promise<UseServiceOptions>) = {},
): TestService {
  return useStarted(
    module.name,
    async () => {
      const { authority, ...rest } = typeof options === 'function' ? await options() : options;
      return startTestService(module, {
        ...rest,
        env: { ...(authority ? { AUTH_JWKS_URL: authority.jwksUrl } : {}), ...rest.env },
      });
    },
    (service) => service.stop(),
  );
}
