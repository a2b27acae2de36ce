import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageDir, type HttpServer, type Logger } from '@adboard/kit';
import fastifyStatic from '@fastify/static';

/** The front end's pages: everything from the entry point itself, nothing inline, never framed. */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Where the web front end's build is in this repository (web/dist, built by `npm start`). */
export const defaultWebRoot = (): string => resolve(packageDir(import.meta.url), '..', '..', 'web', 'dist');

/**
 * Serves the board's web front end (a built bundle: index.html and hashed assets) at `/`. The files
 * are routed one by one as they are at start, so every other path still reaches the service routes
 * or the 404 envelope. Hashed assets are cached for good; index.html is revalidated every time, so a
 * new build is picked up at once. Without a build, `/` stays a 404 and a warning says why.
 */
export async function serveWebFrontEnd(
  http: HttpServer,
  root: string | undefined,
  logger: Logger,
): Promise<void> {
  if (!root) return;
  if (!existsSync(join(root, 'index.html'))) {
    logger.warn({ root }, 'no web front end build here (run `npm run build:web`): / answers 404');
    return;
  }
  // The pages load their own scripts, styles and API answers: a CSP for a page, not for an API answer.
  await http.register(async (pages) => {
    pages.addHook(
      'onRequest',
      async (_request, reply) => void reply.header('content-security-policy', PAGE_POLICY),
    );
    await pages.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      cacheControl: false,
      setHeaders: (response, path) => {
        response.setHeader(
          'cache-control',
          path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  });
}
