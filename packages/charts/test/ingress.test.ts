import {
  ALWAYS_INTERNAL_PREFIXES,
  ALWAYS_PUBLIC_PREFIXES,
  classifyRoute,
  ROUTE_RULES,
  SERVICE_NAMES,
  type RouteAccess,
  type ServiceName,
} from '@adboard/gateway';
import { describe, expect, it } from 'vitest';
import { locationsOf, route } from './support/ingress-nginx.js';
import { declaredRoutes, edgeAccessOf, samplePath } from './support/route-tables.js';
import {
  appChart,
  chartValues,
  named,
  ofKind,
  render,
  type IConfigMap,
  type IIngress,
  type IService,
} from './support/render.js';

const HOST = 'arch.homework';
const AUTH_URL = 'http://app-auth.app.svc.cluster.local/api/v1/auth';
const ERROR_BACKEND = 'adboard-errors';

const ingresses = SERVICE_NAMES.flatMap((service) => ofKind<IIngress>(render(appChart(service)), 'Ingress'));
const locations = locationsOf(ingresses, HOST);

const annotationsOf = (ingress: IIngress) => ingress.metadata?.annotations ?? {};
const isProtected = (ingress: IIngress) => 'nginx.ingress.kubernetes.io/auth-url' in annotationsOf(ingress);

/**
 * Paths to try for a service, derived from its rules in packages/gateway/src/route-rules.ts: every
 * public, internal and always-public prefix itself, below it, and its look-alike siblings (which the
 * prefix must not match), plus a few ordinary protected paths.
 */
function samplePaths(service: ServiceName): string[] {
  const rules = ROUTE_RULES[service];
  const paths = new Set(['/', '/api', '/api/v1', '/api/v1/things/1', '/unknown/route']);
  const prefixes = [
    ...ALWAYS_PUBLIC_PREFIXES,
    ...ALWAYS_INTERNAL_PREFIXES,
    ...rules.public,
    ...rules.internal,
  ];
  for (const prefix of prefixes) {
    const base = prefix.replace(/\/$/, '');
    paths.add(prefix).add(`${base}/`).add(`${base}/x/1`);
    // Look-alike siblings of the prefix (none for `/`, which matches everything).
    if (base) paths.add(`${base}x`).add(`${base}-x`).add(`${base}.json`);
    const parent = base.slice(0, base.lastIndexOf('/'));
    paths.add(parent || '/');
  }
  return [...paths];
}

type Outcome = RouteAccess | 'unrouted';

/** What the ingress does with GET http://arch.homework<uri>, in the gateway's terms. */
function outcomeOf(uri: string): { access: Outcome; backend?: string; upstreamPath?: string } {
  const routed = route(locations, uri);
  if (!routed) return { access: 'unrouted' };
  const access: Outcome =
    routed.backend === ERROR_BACKEND ? 'internal' : isProtected(routed.ingress) ? 'protected' : 'public';
  return { access, backend: routed.backend, upstreamPath: routed.upstreamPath };
}

describe.each(SERVICE_NAMES)('the ingress of %s', (service) => {
  it.each(samplePaths(service))('treats %s as the local gateway does (route-rules.ts)', (path) => {
    const expected = classifyRoute(service, path);
    const uris = path === '/' ? [`/${service}`, `/${service}/`] : [`/${service}${path}`];
    for (const uri of uris) {
      const outcome = outcomeOf(uri);
      expect(outcome.access, uri).toBe(expected);
      if (expected === 'internal') {
        // Never proxied to the service: the error backend answers 404.
        expect(outcome).toEqual({ access: 'internal', backend: ERROR_BACKEND, upstreamPath: '/not-exposed' });
      } else {
        // Proxied to the service with the /<service> prefix stripped.
        expect(outcome.backend, uri).toBe(service);
        expect(outcome.upstreamPath, uri).toBe(path);
      }
    }
  });

  it.each(declaredRoutes(service).map((route) => [`${route.method} ${route.url}`, route] as const))(
    '%s: treated as the service declares its access',
    (_name, route) => {
      expect(outcomeOf(`/${service}${samplePath(route.url)}`).access).toBe(edgeAccessOf(route.access));
    },
  );

  it('puts forward auth on every protected route and nothing auth-related on public ones', () => {
    for (const ingress of ofKind<IIngress>(render(appChart(service)), 'Ingress')) {
      const annotations = annotationsOf(ingress);
      expect(annotations['nginx.ingress.kubernetes.io/use-regex']).toBe('true');
      expect(ingress.spec?.ingressClassName).toBe('nginx');
      for (const rule of ingress.spec?.rules ?? []) {
        expect(rule.host).toBe(HOST);
        for (const path of rule.http?.paths ?? []) expect(path.pathType).toBe('ImplementationSpecific');
      }
      if (isProtected(ingress)) {
        expect(annotations).toMatchObject({
          'nginx.ingress.kubernetes.io/auth-url': AUTH_URL,
          'nginx.ingress.kubernetes.io/auth-response-headers': 'X-Auth-Token',
          'nginx.ingress.kubernetes.io/rewrite-target': '/$2',
          'nginx.ingress.kubernetes.io/custom-http-errors': '401',
          'nginx.ingress.kubernetes.io/default-backend': ERROR_BACKEND,
        });
      } else {
        expect(
          Object.keys(annotations).filter((key) => /auth|custom-http-errors|default-backend/.test(key)),
        ).toEqual([]);
      }
    }
  });

  it('has a catch-all path /<service>(/|$)(.*) rewritten to /$2', () => {
    const catchAll = ofKind<IIngress>(render(appChart(service)), 'Ingress').find((ingress) =>
      ingress.spec?.rules?.some((rule) =>
        rule.http?.paths.some((path) => path.path === `/${service}(/|$)(.*)`),
      ),
    );
    expect(catchAll).toBeDefined();
    expect(annotationsOf(catchAll!)['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/$2');
    // Only app-auth (public as a whole) has it without forward auth.
    expect(isProtected(catchAll!)).toBe(!ROUTE_RULES[service].public.includes('/'));
  });

  it('keeps the routes of values.yaml equal to route-rules.ts', () => {
    const values = chartValues<{ routes: { public: string[]; internal: string[] } }>(appChart(service));
    expect(values.routes).toEqual({
      public: ROUTE_RULES[service].public,
      internal: ROUTE_RULES[service].internal,
    });
  });
});

describe('the ingress, all services together', () => {
  it('routes no other prefix and no unknown service', () => {
    for (const uri of [
      '/',
      '/app',
      '/app-users/health',
      '/app-user-x/api/v1/user/create',
      '/unknown/health',
    ]) {
      expect(outcomeOf(uri).access, uri).toBe('unrouted');
    }
  });

  it('uses only regular expressions that RE2 (and so ingress-nginx) accepts: no lookaround or backreference', () => {
    for (const location of locations) expect(location.path).not.toMatch(/\(\?[=!<]|\\\d/);
  });

  it('has every path of the host exactly once', () => {
    const paths = locations.map((location) => location.path);
    expect(new Set(paths).size).toBe(paths.length);
  });
});

describe('the JSON error backend (app-auth chart)', () => {
  const objects = render(appChart('app-auth'));
  const nginxConf = named<IConfigMap>(objects, 'ConfigMap', `${ERROR_BACKEND}-nginx`).data!['nginx.conf']!;

  /** The JSON body nginx returns for `return <status> '<body>'` in the location after `marker`. */
  const bodyAfter = (marker: string, status: number): unknown => {
    const tail = nginxConf.slice(nginxConf.indexOf(marker));
    const match = new RegExp(`return ${status} '([^']*)';`).exec(tail);
    expect(match, `return ${status} after ${marker}`).not.toBeNull();
    return JSON.parse(match![1]!);
  };

  it('is the Service every protected and internal Ingress names, on port 80', () => {
    const service = named<IService>(objects, 'Service', ERROR_BACKEND);
    expect(service.spec?.ports?.[0]?.port).toBe(80);
    expect(named(objects, 'Deployment', ERROR_BACKEND)).toBeDefined();
    expect(chartValues<{ errorPages: { name: string } }>(appChart('app-auth')).errorPages.name).toBe(
      ERROR_BACKEND,
    );
  });

  it("answers forward auth's 401 with the contract's body", () => {
    expect(nginxConf).toContain('if ($http_x_code = "401")');
    expect(bodyAfter('if ($http_x_code = "401")', 401)).toEqual({ success: false, errors: ['Unauthorized'] });
  });

  it('answers internal routes 404 as the gateway does', () => {
    expect(bodyAfter('location = /not-exposed', 404)).toEqual({
      success: false,
      errors: [{ text: 'Not found' }],
    });
  });
});
