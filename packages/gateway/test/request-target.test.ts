import { HttpError } from '@adboard/kit';
import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from '../src/request-target.js';

describe('parseRequestTarget', () => {
  it.each([
    ['/app-user/api/v1/user/1?x=1', 'app-user', '/api/v1/user/1', '/api/v1/user/1'],
    ['/app-user', 'app-user', '/', '/'],
    ['/app-user/', 'app-user', '/', '/'],
    ['/app-user?x=/y', 'app-user', '/', '/'],
    ['/', '', '/', '/'],
    ['/app-auth/.well-known/jwks.json', 'app-auth', '/.well-known/jwks.json', '/.well-known/jwks.json'],
    ['/app-billing/a/../b/./c', 'app-billing', '/b/c', '/b/c'],
    ['/app-billing/a/%2e%2e/b', 'app-billing', '/b', '/b'],
    ['/app-billing//a///b', 'app-billing', '/a/b', '/a/b'],
    ['/app-billing/a/%70ay', 'app-billing', '/a/%70ay', '/a/pay'],
    ['/app-billing/a%2F%2Fpay', 'app-billing', '/a%2F%2Fpay', '/a/pay'],
    ['/app-adv/t/%D0%9E%D0%B1', 'app-adv', '/t/%D0%9E%D0%B1', '/t/Об'],
    ['/app-billing/../../etc/passwd', 'app-billing', '/etc/passwd', '/etc/passwd'],
  ])('%s → service %s, path %s, matched as %s', (url, service, path, routePath) => {
    expect(parseRequestTarget(url)).toEqual({ service, path, routePath });
  });

  it.each(['/app-user/%E0%A4%A', '/app-user/a%2F..%2Fb', '/app-user/a%2F.%2Fb'])(
    'refuses %s with a 400',
    (url) => {
      let error: unknown;
      try {
        parseRequestTarget(url);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ statusCode: 400, errors: [{ text: 'Bad request.' }] });
    },
  );
});
