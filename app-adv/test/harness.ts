import { randomUUID } from 'node:crypto';
import { billingService } from '@adboard/app-billing';
import { bonusService } from '@adboard/app-bonus';
import { notifyService } from '@adboard/app-notify';
import { InMemoryEventBus, type EventMessage, type Ports } from '@adboard/kit';
import {
  call,
  createTestDatabase,
  FaultProxy,
  startTestAuthority,
  startTestService,
  userEvent,
  waitFor,
  type TestAuthority,
  type TestDatabase,
  type TestService,
  useStarted,
} from '@adboard/kit/testing';
import { expect } from 'vitest';
import { createAdvService } from '../src/app.js';
import type { SagaHooks } from '../src/saga/purchase-saga.js';

export const STEP_TIMEOUT_MS = 300;
export const BUDGET_MS = 4_000; // roomy: the whole suite runs in parallel on two cores

export interface User {
  id: number;
  email: string;
  token: string;
}

/** The world started before a test file's tests and stopped after them. */
export const useWorld = (): World =>
  useStarted(
    'the purchase world',
    () => World.start(),
    (world) => world.stop(),
  );

/**
 * The purchase's world on real HTTP and real PostgreSQL: billing, bonus and notify services, fault
 * proxies in front of billing and bonus, and app-adv — which can be stopped and started again on
 * the same database, as a crashed and restarted process would be.
 */
export class World {
  adv!: TestService;
  readonly outcomes = new Map<string, EventMessage[]>();
  private nextUserId = 100_000 + Math.floor(Math.random() * 100) * 1000;

  private constructor(
    readonly authority: TestAuthority,
    readonly bus: InMemoryEventBus,
    readonly billing: TestService,
    readonly bonus: TestService,
    readonly notify: TestService,
    readonly billingProxy: FaultProxy,
    readonly bonusProxy: FaultProxy,
    readonly advDatabase: TestDatabase,
  ) {}

  static async start(): Promise<World> {
    const authority = await startTestAuthority();
    const env = { AUTH_JWKS_URL: authority.jwksUrl, MONEY_LIMIT_PER_USER: '100000' };
    const bus = new InMemoryEventBus();
    const [billing, bonus, notify] = await Promise.all([
      startTestService(billingService, { env, ports: { bus } }),
      startTestService(bonusService, { env, ports: { bus } }),
      startTestService(notifyService, { env, ports: { bus } }),
    ]);
    const [billingProxy, bonusProxy] = await Promise.all([
      FaultProxy.start(billing.url),
      FaultProxy.start(bonus.url),
    ]);
    const world = new World(
      authority,
      bus,
      billing,
      bonus,
      notify,
      billingProxy,
      bonusProxy,
      await createTestDatabase(),
    );
    await bus.subscribe({
      group: 'test.order-event',
      topic: 'order.event',
      handler: async (message) => {
        const id = message.payload.purchaseId as string;
        world.outcomes.set(id, [...(world.outcomes.get(id) ?? []), message]);
      },
    });
    await world.startAdv();
    return world;
  }

  /** Starts app-adv (again) on its database, with optional fault injection hooks. */
  async startAdv(hooks?: SagaHooks): Promise<void> {
    this.adv = await this.anotherAdv({}, hooks);
  }

  /** Another app-adv on the same database (a replica), with these settings; the caller stops it. */
  anotherAdv(
    env: Record<string, string>,
    hooks?: SagaHooks,
    ports: Omit<Partial<Ports>, 'logger' | 'db' | 'bus'> = {},
  ): Promise<TestService> {
    return startTestService(createAdvService(hooks), {
      database: false,
      ports: { db: this.advDatabase.db, bus: this.bus, ...ports },
      env: {
        AUTH_JWKS_URL: this.authority.jwksUrl,
        BILLING_SERVICE_URL: this.billingProxy.url,
        BONUS_SERVICE_URL: this.bonusProxy.url,
        SAGA_STEP_TIMEOUT_MS: String(STEP_TIMEOUT_MS),
        PURCHASE_TIME_BUDGET_MS: String(BUDGET_MS),
        SAGA_RESUME_INTERVAL_MS: '100',
        MONEY_LIMIT_PER_USER: '100000',
        BOARD_LIMIT_PER_ADDRESS: '100000',
        ...env,
      },
    });
  }

  /** Stops app-adv and starts a fresh one, as after a crash. */
  async restartAdv(hooks?: SagaHooks): Promise<void> {
    await this.adv.stop();
    await this.startAdv(hooks);
  }

  async stop(): Promise<void> {
    await this.adv.stop();
    await Promise.all([this.billingProxy.stop(), this.bonusProxy.stop()]);
    await Promise.all([this.billing.stop(), this.bonus.stop(), this.notify.stop()]);
    await this.advDatabase.drop();
    await this.bus.close();
    await this.authority.close();
  }

  /** A registered user (accounts opened from user.event) with `balance` on their account. */
  async user(balance = 0): Promise<User> {
    const id = this.nextUserId++;
    const email = `buyer${id}@mail.ru`;
    await this.bus.publish([userEvent(id)]);
    const token = await this.authority.tokenFor({ id, email });
    const headers = { 'x-auth-token': token };
    await waitFor(
      async () =>
        (await call(this.billing.url, 'GET', `/api/v1/account/${id}`, { headers })).status === 200 &&
        (await call(this.bonus.url, 'GET', `/api/v1/bonus/${id}`, { headers })).status === 200,
      { what: `accounts of user ${id}` },
    );
    const user = { id, email, token };
    if (balance > 0) await this.topUp(user, balance);
    return user;
  }

  async topUp(user: User, sum: number): Promise<void> {
    const response = await call(this.billing.url, 'PUT', `/api/v1/account/top-up/${user.id}`, {
      body: { sum },
      headers: { 'x-auth-token': user.token, 'x-idempotency-key': randomUUID() },
    });
    expect(response.status).toBe(200);
  }

  buy(user: User, key: string, body: unknown = { title: 'Продам гараж', text: 'test '.repeat(60) }) {
    return call(this.adv.url, 'POST', '/api/v1/adv/create', {
      body,
      headers: { 'x-auth-token': user.token, 'x-idempotency-key': key },
    });
  }

  async balance(user: User): Promise<number> {
    const response = await call(this.billing.url, 'GET', `/api/v1/account/${user.id}`, {
      headers: { 'x-auth-token': user.token },
    });
    return response.body.data.balance;
  }

  async bonusOf(user: User): Promise<number> {
    const response = await call(this.bonus.url, 'GET', `/api/v1/bonus/${user.id}`, {
      headers: { 'x-auth-token': user.token },
    });
    return response.body.data.bonus;
  }

  async notifications(user: User): Promise<string[]> {
    const response = await call(this.notify.url, 'GET', `/api/v1/notification/${user.id}`, {
      headers: { 'x-auth-token': user.token },
    });
    return response.body.data.map((n: { text: string }) => n.text);
  }

  /** The user's purchases, waiting until none is unfinished. */
  async settledPurchases(user: User, timeoutMs = 15_000) {
    return waitFor(
      async () => {
        const { rows } = await this.advDatabase.db.query<{
          id: string;
          state: string;
          advertisement_id: number;
          status: string;
          cost: number;
        }>(
          `SELECT p.id, p.state, p.advertisement_id, a.status, p.cost FROM purchases p
           JOIN advertisements a ON a.id = p.advertisement_id WHERE p.user_id = $1 ORDER BY p.created_at`,
          [user.id],
        );
        return rows.every((row) => row.state === 'succeeded' || row.state === 'failed') && rows;
      },
      { timeoutMs, what: `the purchases of user ${user.id} to finish` },
    );
  }

  /**
   * The books, checked from each service's own records: balance = Σ ledger in billing and bonus;
   * an advertisement is active if and only if its purchase's payment stands, and bonus was accrued
   * for it if and only if the payment stands; exactly one order.event per finished purchase.
   */
  async expectConsistentBooks(user: User): Promise<void> {
    const purchases = await this.settledPurchases(user);
    const net = async (service: TestService, key: string) =>
      (
        await service.database!.db.query<{ n: number }>(
          'SELECT coalesce(sum(amount), 0)::int AS n FROM ledger_entries WHERE user_id = $1 AND idempotency_key = $2',
          [user.id, key],
        )
      ).rows[0]!.n;
    for (const service of [this.billing, this.bonus]) {
      const { rows } = await service.database!.db.query(
        `SELECT a.balance, (SELECT coalesce(sum(amount), 0) FROM ledger_entries e WHERE e.user_id = a.user_id)::bigint AS ledger
         FROM accounts a WHERE a.user_id = $1`,
        [user.id],
      );
      expect(rows[0]).toEqual({ balance: expect.any(Number), ledger: rows[0]!.balance });
    }
    let activeCount = 0;
    for (const purchase of purchases) {
      const key = `purchase-${purchase.id}`;
      const paid = 0 - (await net(this.billing, key)) + 0; // + 0: no negative zero
      const bonus = await net(this.bonus, key);
      const active = purchase.state === 'succeeded';
      if (active) activeCount += 1;
      expect({ state: purchase.state, paid, bonus: bonus > 0 }).toEqual({
        state: purchase.state,
        paid: active ? purchase.cost : 0,
        bonus: active && Math.floor((purchase.cost * 10 + 50) / 100) > 0,
      });
      await waitFor(() => (this.outcomes.get(purchase.id)?.length ?? 0) >= 1, {
        what: `the outcome of ${purchase.id}`,
      });
      expect(new Set(this.outcomes.get(purchase.id)!.map((event) => event.id)).size).toBe(1);
    }
    const { rows } = await this.advDatabase.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM advertisements WHERE user_id = $1 AND status = 'active'",
      [user.id],
    );
    expect(rows[0]!.n).toBe(activeCount);
  }
}
