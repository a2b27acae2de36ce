import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { advService } from '@adboard/app-adv';
import { authService } from '@adboard/app-auth';
import { billingService } from '@adboard/app-billing';
import { bonusService } from '@adboard/app-bonus';
import { notifyService } from '@adboard/app-notify';
import { userService } from '@adboard/app-user';
import { createGateway, type Gateway } from '@adboard/gateway';
import { createLogger, generateSigningKey, InMemoryEventBus, InMemoryKeyValueStore } from '@adboard/kit';
import { call, FaultProxy, freePort, startTestService, type TestService } from '@adboard/kit/testing';
import { ensureWebBuild, webBuildDir } from '@adboard/stack/web-build';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`), or CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = (): boolean => existsSync(chromiumPath);

/** Where the tests save their screenshots (gitignored). */
export const screenshotDir = join(import.meta.dirname, '..', '..', '..', 'artifacts', 'screenshots');

export const PURCHASE_TIME_BUDGET_MS = 1_500;

/**
 * The whole system as a browser meets it: the six services on real HTTP and PostgreSQL (the
 * in-process bus and session store), the gateway serving the built front end, and a fault proxy
 * between app-adv and app-billing that can hold the payment back.
 */
export class BrowserWorld {
  private constructor(
    readonly url: string,
    private readonly chromium: Browser | undefined,
    readonly billingProxy: FaultProxy,
    private readonly gateway: Gateway,
    private readonly services: TestService[],
    private readonly closers: (() => Promise<void>)[],
  ) {}

  /** The system behind its entry point, and Chromium unless `browser` is false. */
  static async start({ browser = true } = {}): Promise<BrowserWorld> {
    await ensureWebBuild();
    await mkdir(screenshotDir, { recursive: true });
    const bus = new InMemoryEventBus();
    const kv = new InMemoryKeyValueStore();
    const [authPort, userPort] = [await freePort(), await freePort()];
    const authUrl = `http://127.0.0.1:${authPort}`;
    // The services trust the entry point's X-Forwarded-* as in the stacks: a state-changing request
    // whose browser sends an Origin but no Sec-Fetch-Site is judged by the host it addressed.
    const behindEntryPoint = {
      AUTH_JWKS_URL: `${authUrl}/.well-known/jwks.json`,
      TRUSTED_PROXIES: '127.0.0.1',
    };
    const auth = await startTestService(authService, {
      database: false,
      ports: { bus, kv },
      port: authPort,
      env: {
        AUTH_PRIVATE_KEY: generateSigningKey(),
        USER_SERVICE_URL: `http://127.0.0.1:${userPort}`,
        TRUSTED_PROXIES: behindEntryPoint.TRUSTED_PROXIES,
      },
    });
    const [user, billing, bonus, notify] = await Promise.all([
      startTestService(userService, { ports: { bus }, port: userPort, env: behindEntryPoint }),
      startTestService(billingService, { ports: { bus }, env: behindEntryPoint }),
      startTestService(bonusService, { ports: { bus }, env: behindEntryPoint }),
      startTestService(notifyService, { ports: { bus }, env: behindEntryPoint }),
    ]);
    const billingProxy = await FaultProxy.start(billing.url);
    const adv = await startTestService(advService, {
      ports: { bus },
      env: {
        ...behindEntryPoint,
        BILLING_SERVICE_URL: billingProxy.url,
        BONUS_SERVICE_URL: bonus.url,
        PURCHASE_TIME_BUDGET_MS: String(PURCHASE_TIME_BUDGET_MS),
        SAGA_STEP_TIMEOUT_MS: '1000',
        SAGA_RESUME_INTERVAL_MS: '200',
      },
    });
    const gateway = await createGateway({
      upstreams: {
        'app-user': user.url,
        'app-auth': auth.url,
        'app-billing': billing.url,
        'app-bonus': bonus.url,
        'app-adv': adv.url,
        'app-notify': notify.url,
      },
      logger: createLogger('gateway', process.env.TEST_LOG_LEVEL ?? 'silent'),
      webRoot: webBuildDir,
    });
    const url = await gateway.start(0, '127.0.0.1');
    const launched = !browser
      ? undefined
      : await chromium.launch({
          executablePath: chromiumPath,
          headless: true,
          // Without the background-networking flags Chromium's own connections fail on a closed network.
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        });
    return new BrowserWorld(
      url,
      launched,
      billingProxy,
      gateway,
      [adv, notify, bonus, billing, user, auth],
      [() => bus.close(), () => kv.close()],
    );
  }

  get browser(): Browser {
    if (!this.chromium) throw new Error('this world was started without a browser');
    return this.chromium;
  }

  async stop(): Promise<void> {
    await this.chromium?.close();
    await this.gateway.stop();
    await this.billingProxy.stop();
    for (const service of this.services) {
      const stopped = service.stop();
      // Teardown: a keep-alive connection the closed browser and gateway left behind must not hold
      // the service open for its keep-alive timeout.
      service.service.http.server.closeAllConnections();
      await stopped;
    }
    for (const close of this.closers) await close();
  }

  /** A fresh browser context (its own cookies and storage) and a page in it. */
  async newPage(viewport = { width: 1100, height: 900 }): Promise<Page> {
    const context = await this.browser.newContext({ viewport, baseURL: this.url });
    return context.newPage();
  }

  /** A user registered through the entry point's API (for tests about what comes after). */
  async registeredUser(): Promise<{ username: string; password: string }> {
    const username = `u${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    const password = 'secret-pw';
    const response = await call(this.url, 'POST', '/app-user/api/v1/user/create', {
      body: {
        username,
        password,
        firstName: 'Ivan',
        lastName: 'Petrov',
        email: `${username}@mail.ru`,
        phone: 79001234567,
      },
    });
    if (response.status !== 200) throw new Error(`registration failed: ${JSON.stringify(response.body)}`);
    return { username, password };
  }
}
