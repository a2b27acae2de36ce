import { describe, expect, it } from 'vitest';
import {
  ALWAYS_PUBLIC_PREFIXES,
  classifyRoute,
  isServiceName,
  matchesPrefix,
  ROUTE_RULES,
  SERVICE_NAMES,
  type RouteAccess,
  type ServiceName,
} from '../src/route-rules.js';

describe('matchesPrefix', () => {
  it.each([
    ['/api/v1/internal', '/api/v1/internal', true],
    ['/api/v1/internal', '/api/v1/internal/', true],
    ['/api/v1/internal', '/api/v1/internal/x/y', true],
    ['/api/v1/internal', '/api/v1/internals', false],
    ['/api/v1/internal', '/api/v1', false],
    ['/api/v1/internal', '/x/api/v1/internal', false],
    ['/', '/anything/at/all', true],
    ['/', '/', true],
    ['/docs/', '/docs/json', true],
    ['/docs/', '/docs', false],
  ])('%s matches %s: %s', (prefix, path, expected) => {
    expect(matchesPrefix(prefix, path)).toBe(expected);
  });
});

describe('classifyRoute', () => {
  const cases: [ServiceName, string, RouteAccess][] = [
    ['app-user', '/api/v1/user/create', 'public'],
    ['app-user', '/api/v1/user/1', 'protected'],
    ['app-user', '/api/v1/user/created', 'protected'],
    ['app-user', '/api/v1/internal', 'internal'],
    ['app-user', '/api/v1/internal/credentials', 'internal'],
    ['app-auth', '/api/v1/login', 'public'],
    ['app-auth', '/api/v1/logout', 'public'],
    ['app-auth', '/api/v1/auth', 'public'],
    ['app-auth', '/.well-known/jwks.json', 'public'],
    ['app-billing', '/api/v1/account/pay/1', 'internal'],
    ['app-billing', '/api/v1/account/pay', 'internal'],
    ['app-billing', '/api/v1/account/top-up/1', 'protected'],
    ['app-billing', '/api/v1/account/rollback/1', 'protected'],
    ['app-billing', '/api/v1/account/uuid', 'protected'],
    ['app-bonus', '/api/v1/bonus/add/1', 'internal'],
    ['app-bonus', '/api/v1/bonus/rollback/1', 'internal'],
    ['app-bonus', '/api/v1/bonus/1', 'protected'],
    ['app-adv', '/api/v1/adv/create', 'protected'],
    ['app-adv', '/api/v1/adv', 'protected'],
    ['app-adv', '/api/v1/adv/1/purchase', 'protected'],
    ['app-adv', '/api/v1/board', 'public'],
    ['app-adv', '/api/v1/boards', 'protected'],
    ['app-notify', '/api/v1/notification/1', 'protected'],
    ['app-notify', '/healthz', 'protected'],
    ['app-notify', '/', 'protected'],
  ];
  it.each(cases)('%s %s is %s', (service, path, access) => {
    expect(classifyRoute(service, path)).toBe(access);
  });

  it.each(
    SERVICE_NAMES.flatMap((service) =>
      ['/health', '/ready', '/docs', '/docs/json'].map((path) => [service, path]),
    ),
  )('%s %s is always public', (service, path) => {
    expect(classifyRoute(service as ServiceName, path)).toBe('public');
  });

  it.each(
    SERVICE_NAMES.flatMap((service) =>
      ['/metrics', '/metrics/', '/metrics/x'].map((path) => [service, path]),
    ),
  )('%s %s is internal: metrics are scraped on the service port only', (service, path) => {
    expect(classifyRoute(service as ServiceName, path)).toBe('internal');
  });
});

describe('the table', () => {
  it('has rules for exactly the six services', () => {
    expect(Object.keys(ROUTE_RULES).sort()).toEqual([...SERVICE_NAMES].sort());
    expect(SERVICE_NAMES).toHaveLength(6);
  });

  it('keeps internal prefixes out of the public ones', () => {
    for (const service of SERVICE_NAMES) {
      for (const prefix of ROUTE_RULES[service].internal) {
        expect(classifyRoute(service, prefix)).toBe('internal');
        const publicPrefixes = [...ALWAYS_PUBLIC_PREFIXES, ...ROUTE_RULES[service].public];
        expect(publicPrefixes.filter((publicPrefix) => matchesPrefix(publicPrefix, prefix))).toEqual(
          service === 'app-auth' ? ['/'] : [],
        );
      }
    }
  });

  it('knows service names exactly', () => {
    expect(isServiceName('app-billing')).toBe(true);
    expect(isServiceName('App-Billing')).toBe(false);
    expect(isServiceName('billing')).toBe(false);
    expect(isServiceName('')).toBe(false);
  });
});
