import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { call } from '@adboard/kit/testing';
import type { Locator, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserWorld, chromiumPath, hasChromium, screenshotDir } from './support/world.js';

/**
 * The board's web front end in Debian's Chromium (Playwright), through the entry point, against
 * the real services. Screenshots of the main pages land in artifacts/screenshots/.
 */
if (!hasChromium())
  console.warn(`[skip] browser tests: no Chromium at ${chromiumPath} (apt-get install chromium)`);

let world: BrowserWorld;
beforeAll(async () => {
  if (hasChromium()) world = await BrowserWorld.start();
}, 120_000);
afterAll(async () => {
  await world?.stop();
});

const WAIT = { timeout: 20_000 };
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });
const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
/** The status on an ad's card (not the one inside "How the purchase went", which may have loaded too). */
const cardStatus = (card: Locator, status: string) =>
  card.locator('p.meta').getByText(status, { exact: true });
const link = (page: Page, name: string | RegExp) =>
  page.getByRole('link', typeof name === 'string' ? { name, exact: true } : { name });

async function textOf(locator: Locator, expected: string): Promise<void> {
  await expect.poll(() => locator.textContent(), WAIT).toBe(expected);
}

async function logIn(page: Page, user: { username: string; password: string }): Promise<void> {
  await page.goto('/#/login');
  await field(page, 'Username').fill(user.username);
  await field(page, 'Password').fill(user.password);
  await button(page, 'Log in').click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor(WAIT);
}

async function topUp(page: Page, amount: number, expectedBalance: number): Promise<void> {
  await link(page, 'Account').click();
  await field(page, 'Amount').fill(String(amount));
  await button(page, 'Top up').click();
  await textOf(page.getByTestId('balance'), String(expectedBalance));
}

async function buy(page: Page, title: string, text: string): Promise<void> {
  await link(page, 'Sell').click();
  await field(page, 'Title').fill(title);
  await field(page, 'Text').fill(text);
  await button(page, 'Buy').click();
}

/** The top-up requests a page sends, with their keys, and whether each has finished. */
function watchTopUps(page: Page) {
  const sent: { key: string | undefined; done: boolean }[] = [];
  const byRequest = new Map<Request, (typeof sent)[number]>();
  page.on('request', (request) => {
    if (!request.url().includes('/app-billing/api/v1/account/top-up/')) return;
    const entry = { key: request.headers()['x-idempotency-key'], done: false };
    sent.push(entry);
    byRequest.set(request, entry);
  });
  const finish = (request: Request) => {
    const entry = byRequest.get(request);
    if (entry) entry.done = true;
  };
  page.on('requestfinished', finish);
  page.on('requestfailed', finish);
  return sent;
}

describe.skipIf(!hasChromium())('the web front end in Chromium', { timeout: 120_000 }, () => {
  it('register → log in → top up → buy → active on the board and in your list → notification', async () => {
    const page = await world.newPage();
    const username = `ui${Date.now().toString(36)}`;
    const word = `гараж${randomUUID().slice(0, 6)}`;
    const title = `Продам ${word}`;
    await page.goto('/');
    await page.getByRole('heading', { name: 'The board' }).waitFor(WAIT);

    await link(page, 'Register').click();
    await field(page, 'Username').fill(username);
    await field(page, 'Password').fill('secret-pw');
    await field(page, 'First name').fill('Ivan');
    await field(page, 'Last name').fill('Petrov');
    await field(page, 'E-mail').fill(`${username}@mail.ru`);
    await field(page, 'Phone').fill('79001234567');
    await button(page, 'Register').click();
    await page.getByText('Your account is ready. Log in.').waitFor(WAIT);
    expect(await field(page, 'Username').inputValue()).toBe(username);
    await field(page, 'Password').fill('secret-pw');
    await button(page, 'Log in').click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor(WAIT);
    await textOf(page.getByTestId('balance'), '0');

    await topUp(page, 1000, 1000);
    await page.getByRole('cell', { name: '+1000' }).waitFor(WAIT);
    await shot(page, 'account');

    await link(page, 'Sell').click();
    await field(page, 'Title').fill(title);
    await field(page, 'Text').fill('test '.repeat(59));
    await textOf(page.getByTestId('price'), '295');
    await field(page, 'Text').fill('test '.repeat(60));
    await textOf(page.getByTestId('price'), '300');
    await button(page, 'Buy').click();
    await page.getByRole('status').getByText('active', { exact: true }).waitFor(WAIT);
    await shot(page, 'sell');

    await link(page, 'Account').click();
    await textOf(page.getByTestId('balance'), '700');
    await textOf(page.getByTestId('bonus'), '30');

    await link(page, 'My ads').click();
    const mine = page.getByRole('article', { name: title });
    await cardStatus(mine, 'active').waitFor(WAIT);
    await mine.getByText('How the purchase went').click();
    await mine.getByText('payment: done').waitFor(WAIT);
    await shot(page, 'my-ads');

    await link(page, /^Notifications/).click();
    await page.getByText('Объявление на сумму 300 успешно оплачено').waitFor(WAIT);
    await shot(page, 'notifications');

    await link(page, 'Board').click();
    await field(page, 'Search').fill(word.toUpperCase());
    await button(page, 'Find').click();
    const onBoard = page.getByRole('article', { name: title });
    await onBoard.waitFor(WAIT);
    expect(await onBoard.textContent()).toContain(`by ${username}`);
    await page
      .getByRole('article')
      .nth(1)
      .waitFor({ state: 'detached', ...WAIT });
    await field(page, 'Search').fill('');
    await button(page, 'Find').click();
    await shot(page, 'board');

    await button(page, 'Log out').click();
    await link(page, 'Log in').waitFor(WAIT);
    await page.context().close();
  });

  it('not enough money: the API’s text, balance and bonus unchanged, failed, a notification (keyboard only); the profile edited', async () => {
    const user = await world.registeredUser();
    const page = await world.newPage();
    await page.goto('/#/login');
    await field(page, 'Username').focus();
    await page.keyboard.type(user.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(user.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your account' }).waitFor(WAIT);
    await topUp(page, 100, 100);

    const title = `Дорого ${randomUUID().slice(0, 6)}`;
    await buy(page, title, 'x'.repeat(150));
    await page.getByRole('alert').getByText('Ошибка выполнения платежа', { exact: true }).waitFor(WAIT);
    await shot(page, 'sell-refused');

    await link(page, 'Account').click();
    await textOf(page.getByTestId('balance'), '100');
    await textOf(page.getByTestId('bonus'), '0');
    await link(page, 'My ads').click();
    await cardStatus(page.getByRole('article', { name: title }), 'failed').waitFor(WAIT);
    await link(page, /^Notifications/).click();
    await page.getByText('Ошибка выполнения платежа').waitFor(WAIT);

    await link(page, 'Profile').click();
    await expect.poll(() => field(page, 'First name').inputValue(), WAIT).toBe('Ivan');
    await field(page, 'First name').fill('Иван');
    await field(page, 'E-mail').fill('not-an-email');
    await button(page, 'Save').click();
    await page
      .getByRole('alert')
      .getByText('Поле должно быть корректным email', { exact: true })
      .waitFor(WAIT);
    await field(page, 'E-mail').fill(`${user.username}@example.com`);
    await button(page, 'Save').click();
    await page.getByText('Saved.').waitFor(WAIT);
    await page.reload();
    await expect.poll(() => field(page, 'First name').inputValue(), WAIT).toBe('Иван');
    expect(await field(page, 'E-mail').inputValue()).toBe(`${user.username}@example.com`);
    await page.context().close();
  });

  it('a double-clicked top-up, and one retried after its answer was lost, each charge once', async () => {
    const user = await world.registeredUser();
    const page = await world.newPage();
    const topUps = watchTopUps(page);
    await logIn(page, user);

    await field(page, 'Amount').fill('500');
    await button(page, 'Top up').dblclick();
    await textOf(page.getByTestId('balance'), '500');
    await expect.poll(() => topUps.every((request) => request.done), WAIT).toBe(true);
    expect(new Set(topUps.map((request) => request.key)).size).toBe(1);

    // The next top-up reaches billing, but its answer is lost on the way back.
    await page.route(
      '**/app-billing/api/v1/account/top-up/**',
      async (route) => {
        await route.fetch();
        await route.abort('connectionreset');
      },
      { times: 1 },
    );
    await field(page, 'Amount').fill('300');
    await button(page, 'Top up').click();
    await page
      .getByRole('alert')
      .getByText(/^Network error/)
      .waitFor(WAIT);
    const replayed = page.waitForResponse((response) => response.url().includes('/top-up/'));
    await button(page, 'Top up').click();
    expect((await replayed).headers()['idempotent-replayed']).toBe('true');
    await textOf(page.getByTestId('balance'), '800');
    const [, lost, retried] = topUps.slice(-3);
    expect(retried!.key).toBe(lost!.key);
    expect(lost!.key).not.toBe(topUps[0]!.key);

    await page.reload();
    await textOf(page.getByTestId('balance'), '800');
    await expect
      .poll(() => page.getByRole('cell', { name: /^\+\d+$/ }).allTextContents(), WAIT)
      .toEqual(['+300', '+500']);
    await page.context().close();
  });

  it('a purchase answered 202 (billing held back) shows its steps, then settles on screen', async () => {
    const user = await world.registeredUser();
    const page = await world.newPage();
    await logIn(page, user);
    await topUp(page, 1000, 1000);
    world.billingProxy.inject('/api/v1/account/pay/', 'fail', 1_000_000);
    try {
      await buy(page, `Медленно ${randomUUID().slice(0, 6)}`, 'x'.repeat(200));
      await page.getByText('the purchase is taking longer than usual').waitFor(WAIT);
      const steps = page.getByRole('list', { name: 'Purchase steps' });
      await steps.getByText('payment: retrying').waitFor(WAIT);
      expect(await page.getByRole('status').getByText('pending', { exact: true }).count()).toBe(1);
      await shot(page, 'purchase-pending');
    } finally {
      world.billingProxy.clear();
    }
    await page.getByRole('status').getByText('active', { exact: true }).waitFor({ timeout: 40_000 });
    await page.getByRole('list', { name: 'Purchase steps' }).getByText('notification: done').waitFor(WAIT);
    await shot(page, 'purchase-settled');
    await link(page, 'Account').click();
    await textOf(page.getByTestId('balance'), '800');
    await page.context().close();
  });

  it('an expired session leads to the login form and back, keeping what was typed', async () => {
    const user = await world.registeredUser();
    const page = await world.newPage();
    await logIn(page, user);
    await topUp(page, 1000, 1000);
    await link(page, 'Sell').click();
    const title = `Не потеряется ${randomUUID().slice(0, 6)}`;
    await field(page, 'Title').fill(title);
    await field(page, 'Text').fill('typed before the session ended');

    // The session ends behind the page's back, as an expiry would end it.
    const cookie = (await page.context().cookies()).map(({ name, value }) => `${name}=${value}`).join('; ');
    expect((await call(world.url, 'POST', '/app-auth/api/v1/logout', { headers: { cookie } })).status).toBe(
      200,
    );

    await button(page, 'Buy').click();
    await page.getByText('Your session has ended.').waitFor(WAIT);
    await shot(page, 'session-expired');
    await field(page, 'Username').fill(user.username);
    await field(page, 'Password').fill(user.password);
    await button(page, 'Log in').click();
    await page.getByRole('heading', { name: 'Sell something' }).waitFor(WAIT);
    expect(await field(page, 'Title').inputValue()).toBe(title);
    expect(await field(page, 'Text').inputValue()).toBe('typed before the session ended');
    await button(page, 'Buy').click();
    await page.getByRole('status').getByText('active', { exact: true }).waitFor(WAIT);
    await page.context().close();
  });

  it('the board on a phone-sized screen', async () => {
    const page = await world.newPage({ width: 390, height: 844 });
    await page.goto('/');
    await page.getByRole('heading', { name: 'The board' }).waitFor(WAIT);
    await field(page, 'Search').waitFor(WAIT);
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await shot(page, 'board-phone');
    await page.context().close();
  });

  it('the API docs through the entry point: /docs lists the services, “Try it out” works', async () => {
    const user = await world.registeredUser();
    const page = await world.newPage();
    await logIn(page, user);
    await page.goto('/docs');
    for (const service of ['app-user', 'app-auth', 'app-billing', 'app-bonus', 'app-adv', 'app-notify'])
      await link(page, service).waitFor(WAIT);
    await link(page, 'app-adv').click();
    await page.waitForURL('**/app-adv/docs/');

    const tryIt = async (path: string) => {
      const operation = page.locator('.opblock').filter({
        has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
      });
      await operation.locator('.opblock-summary').click();
      await operation.getByRole('button', { name: 'Try it out' }).click();
      await operation.getByRole('button', { name: 'Execute' }).click();
      const status = operation.locator('.live-responses-table tr.response .response-col_status');
      await status.waitFor(WAIT);
      return {
        status: (await status.textContent())?.trim(),
        url: (await operation.locator('.request-url pre').textContent())?.trim(),
      };
    };
    // Public, then protected (the session cookie goes along, the entry point does forward auth).
    expect(await tryIt('/api/v1/board')).toEqual({ status: '200', url: `${world.url}/app-adv/api/v1/board` });
    expect(await tryIt('/api/v1/adv')).toEqual({ status: '200', url: `${world.url}/app-adv/api/v1/adv` });
    await shot(page, 'docs');
    await page.context().close();
  });
});
