import type { HttpServer } from '@adboard/kit';
import { SERVICE_NAMES } from './route-rules.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** What each service's API covers, for the index. */
const SERVICE_SUMMARIES: Record<(typeof SERVICE_NAMES)[number], string> = {
  'app-user': 'registration and profiles',
  'app-auth': 'login, sessions and logout',
  'app-billing': 'accounts, top-ups and statements',
  'app-bonus': 'bonus accounts',
  'app-adv': 'advertisements, their purchase and the public board',
  'app-notify': 'notifications',
};

/** The page at `/docs`: a link to each service's API docs (`/<service>/docs/`). No script, no inline style. */
export function docsIndexHtml(): string {
  const items = SERVICE_NAMES.map(
    (service) =>
      `<li><a href="/${service}/docs/">${escapeHtml(service)}</a> — ${escapeHtml(SERVICE_SUMMARIES[service])}` +
      ` (<a href="/${service}/docs/json">OpenAPI document</a>)</li>`,
  ).join('\n      ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>adboard API docs</title>
  </head>
  <body>
    <main>
    <h1>adboard API docs</h1>
    <p>Each service's OpenAPI document with a browsable UI. "Try it out" goes through this entry point,
    with your session when you are logged in (<a href="/">the board</a>).</p>
    <ul>
      ${items}
    </ul>
    </main>
  </body>
</html>
`;
}

/** `GET /docs` on the entry point itself: the index of the six services' API docs. */
export function docsIndexRoute(http: HttpServer): void {
  const html = docsIndexHtml();
  http.get('/docs', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(html),
  );
}
