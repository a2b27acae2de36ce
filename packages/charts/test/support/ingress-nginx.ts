import type { IIngress } from './render.js';

/**
 * How ingress-nginx picks the route of a request, reduced to what the charts rely on
 * (docs: user-guide/ingress-path-matching): with use-regex, every path of the host becomes
 * `location ~* "^<path>"` (case-insensitive), the locations are written in order of descending path
 * length, and nginx takes the first regex location that matches. The matched Ingress's annotations
 * apply (forward auth, rewrite-target with the location's capture groups). No match: the default
 * backend, which answers 404.
 */
export interface Location {
  path: string;
  regex: RegExp;
  ingress: IIngress;
  backend: string;
}

export interface Routed {
  ingress: IIngress;
  /** The Service the request is proxied to. */
  backend: string;
  /** The request path after rewrite-target. */
  upstreamPath: string;
}

export function locationsOf(ingresses: IIngress[], host: string): Location[] {
  const locations: Location[] = [];
  for (const ingress of ingresses) {
    for (const rule of ingress.spec?.rules ?? []) {
      if (rule.host !== host) continue;
      for (const entry of rule.http?.paths ?? []) {
        const path = entry.path ?? '/';
        locations.push({
          path,
          regex: new RegExp(`^${path}`, 'i'),
          ingress,
          backend: entry.backend.service?.name ?? '',
        });
      }
    }
  }
  // Array.prototype.sort is stable: equal lengths keep their order, as in ingress-nginx.
  return locations.sort((a, b) => b.path.length - a.path.length);
}

export function route(locations: Location[], uri: string): Routed | undefined {
  for (const location of locations) {
    const match = location.regex.exec(uri);
    if (!match) continue;
    const target = location.ingress.metadata?.annotations?.['nginx.ingress.kubernetes.io/rewrite-target'];
    const upstreamPath = target
      ? target.replace(/\$(\d)/g, (_, group: string) => match[Number(group)] ?? '')
      : uri;
    return { ingress: location.ingress, backend: location.backend, upstreamPath };
  }
  return undefined;
}
