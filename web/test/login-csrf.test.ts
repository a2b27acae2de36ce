import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserWorld, chromiumPath, hasChromium } from './support/world.js';

/**
 * Login CSRF in Chromium: a page on another site (http://127.0.0.1:<port>) posts the board's login
 * form for the attacker's account to the entry point (http://localhost:<port>), as
 * `enctype="text/plain"`, which needs no preflight and which the API reads as JSON. Had it worked,
 * the victim's browser would be logged in as the attacker and write into the attacker's account.
 */
if (!hasChromium()) console.warn(`[skip] login CSRF browser test: no Chromium at ${chromiumPath}`);

let world: BrowserWorld;
let board: string;
beforeAll(async () => {
  if (!hasChromium()) return;
  world = await BrowserWorld.start();
  board = world.url.replace('127.0.0.1', 'localhost');
}, 120_000);
afterAll(async () => {
  await world?.stop();
});

const WAIT = { timeout: 20_000 };

/** Another site: one page whose form posts `{"username":…,"password":…,"x":"="}` to `action` by itself. */
async function startForeignSite(action: string, user: { username: string; password: string }) {
  const name = `{"username":"${user.username}","password":"${user.password}","x":"`;
  const page = `<!doctype html><form method="post" enctype="text/plain" action="${action}">
<input type="hidden" name='${name}' value='"}'></form><script>document.forms[0].submit()</script>`;
  const server: Server = createServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'text/html' }).end(page),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(!hasChromium())('a login form on another site', { timeout: 120_000 }, () => {
  it('is refused with 403 and sets no session cookie', async () => {
    const attacker = await world.registeredUser();
    const site = await startForeignSite(`${board}/app-auth/api/v1/login`, attacker);
    const context = await world.browser.newContext();
    try {
      const page = await context.newPage();
      const answered = page.waitForResponse((response) => response.url().endsWith('/app-auth/api/v1/login'));
      await page.goto(site.url);
      const answer = await answered;
      expect(answer.request().headers()['content-type']).toBe('text/plain');
      expect(answer.status()).toBe(403);
      expect(await answer.json()).toEqual({ success: false, errors: ['Access denied'] });
      expect((await context.cookies(board)).map((cookie) => cookie.name)).not.toContain('sid');
    } finally {
      await context.close();
      await site.close();
    }
  });

  it("while the same login from the board's own page works", async () => {
    const user = await world.registeredUser();
    const context = await world.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${board}/#/login`);
      await page.getByLabel('Username', { exact: true }).fill(user.username);
      await page.getByLabel('Password', { exact: true }).fill(user.password);
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      await page.getByRole('heading', { name: 'Your account' }).waitFor(WAIT);
      expect((await context.cookies(board)).map((cookie) => cookie.name)).toContain('sid');
    } finally {
      await context.close();
    }
  });
});
