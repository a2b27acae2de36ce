import { call } from '@adboard/kit/testing';
import { SERVICE_NAMES } from '@adboard/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserWorld } from './support/world.js';

/** What the entry point serves besides the services: the front end, the docs index, working API docs. */
let world: BrowserWorld;
beforeAll(async () => {
  world = await BrowserWorld.start({ browser: false });
}, 120_000);
afterAll(async () => {
  await world?.stop();
});

describe('the web front end at /', () => {
  it('serves index.html (revalidated every time) and its hashed assets (cached for good)', async () => {
    const index = await fetch(`${world.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${world.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
  });

  it("gives its pages a page's CSP (own scripts, styles and API calls) and API answers one that loads nothing", async () => {
    const headerOf = async (path: string) => {
      const response = await fetch(`${world.url}${path}`);
      await response.arrayBuffer(); // read to the end: no connection left busy
      return response.headers.get('content-security-policy');
    };
    const page = await headerOf('/');
    expect(page).toContain("script-src 'self'");
    expect(page).toContain("connect-src 'self'");
    expect(page).not.toContain('unsafe-inline');
    const api = await headerOf('/app-adv/api/v1/board');
    expect(api).toContain("default-src 'none'");
  });

  it('leaves every other path to the services or the 404 envelope', async () => {
    const unknown = await call(world.url, 'GET', '/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ success: false, errors: [{ text: 'Not found' }] });
    expect((await call(world.url, 'GET', '/assets/missing.js')).status).toBe(404);
    expect((await call(world.url, 'GET', '/app-adv/api/v1/board')).body).toEqual({ success: true, data: [] });
    expect((await call(world.url, 'GET', '/app-adv/api/v1/adv')).status).toBe(401);
  });
});

describe('API docs through the entry point', () => {
  it('/docs lists the six services’ docs', async () => {
    const page = await fetch(`${world.url}/docs`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    for (const service of SERVICE_NAMES) expect(html).toContain(`<a href="/${service}/docs/">${service}</a>`);
    expect(html).not.toMatch(/<script|style=/);
  });

  it.each(SERVICE_NAMES)('%s: the UI loads its assets relative to /<service>/docs/', async (service) => {
    const bare = await fetch(`${world.url}/${service}/docs`, { redirect: 'manual' });
    await bare.arrayBuffer();
    expect(bare.status).toBe(302);
    expect(bare.headers.get('location')).toBe('docs/');
    const ui = await fetch(`${world.url}/${service}/docs/`);
    const html = await ui.text();
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThan(3);
    for (const asset of assets) {
      expect(asset).toMatch(/^\.\/static\//);
      const loaded = await fetch(new URL(asset, `${world.url}/${service}/docs/`));
      expect(loaded.status, asset).toBe(200);
      await loaded.arrayBuffer(); // read to the end, so the connection is free again
    }
  });

  it.each(SERVICE_NAMES)(
    '%s: the document points Try it out at the entry point, tags every operation, describes every status',
    async (service) => {
      const document = (await call(world.url, 'GET', `/${service}/docs/json`)).body;
      expect(document.servers[0]).toEqual({
        url: `/${service}`,
        description: 'through the entry point (the gateway or the ingress)',
      });
      const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(
        ([path, methods]) =>
          Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
      );
      expect(operations.length).toBeGreaterThan(0);
      for (const { path, method, operation } of operations) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(operation.tags?.length, where).toBeGreaterThan(0);
        for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
          expect(status, where).toMatch(/^\d{3}$/);
          expect(response.description, `${where} ${status}`).not.toBe('Default Response');
        }
      }
    },
  );
});
