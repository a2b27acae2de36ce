import { useEffect, useState } from 'react';

/**
 * Routes live in the URL's fragment (`#/sell`), so the bundle is one static page that any server
 * (the gateway, an ingress with a static backend) serves without a fallback rule.
 */
export interface Route {
  path: string;
  params: URLSearchParams;
}

const current = (): Route => {
  const [path, query] = (window.location.hash.replace(/^#/, '') || '/').split('?');
  return { path: path || '/', params: new URLSearchParams(query ?? '') };
};

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function navigate(to: string): void {
  window.location.hash = to;
}

/** The current route as a `next` parameter (where to come back to after logging in). */
export const here = (): string => window.location.hash.replace(/^#/, '') || '/';
