/**
 * How long after a purchase answers 200 its notification is listed — the contract's target is
 * 100 ms at p99 — in both run modes. Real PostgreSQL (TEST_DATABASE_URL), real HTTP.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:notifications
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { advService } from '@adboard/app-adv';
import { billingService } from '@adboard/app-billing';
import { bonusService } from '@adboard/app-bonus';
import { notifyService } from '@adboard/app-notify';
import { InMemoryEventBus } from '@adboard/kit';
import { call, startTestAuthority, startTestService, userEvent, waitFor } from '@adboard/kit/testing';
import { inBothModes } from './modes.js';

const PURCHASES = Number(process.env.BENCH_PURCHASES ?? 200);

console.log('purchase answered 200 → its notification listed (target: p99 ≤ 100 ms)');
await inBothModes(async (_mode, kafkaBus) => {
  const bus = kafkaBus ?? new InMemoryEventBus();
  const authority = await startTestAuthority();
  // One buyer making many purchases: the per-user money limit stays out of it.
  const env = { AUTH_JWKS_URL: authority.jwksUrl, MONEY_LIMIT_PER_USER: '100000000' };
  const ports = { bus };
  const [billing, bonus, notify] = await Promise.all([
    startTestService(billingService, { env, ports }),
    startTestService(bonusService, { env, ports }),
    startTestService(notifyService, { env, ports }),
  ]);
  const adv = await startTestService(advService, {
    ports,
    env: { ...env, BILLING_SERVICE_URL: billing.url, BONUS_SERVICE_URL: bonus.url },
  });
  const userId = 900_000 + Math.floor(Math.random() * 1000);
  const token = await authority.tokenFor({ id: userId });
  const headers = { 'x-auth-token': token };
  await bus.publish([userEvent(userId)]);
  // Both accounts: a purchase before the bonus account exists is refused (the bonus step's 400).
  await waitFor(
    async () =>
      (await call(billing.url, 'GET', `/api/v1/account/${userId}`, { headers })).status === 200 &&
      (await call(bonus.url, 'GET', `/api/v1/bonus/${userId}`, { headers })).status === 200,
    { timeoutMs: 30_000, what: 'the buyer’s billing and bonus accounts' },
  );
  await call(billing.url, 'PUT', `/api/v1/account/top-up/${userId}`, {
    body: { sum: 1_000_000 },
    headers: { ...headers, 'x-idempotency-key': randomUUID() },
  });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < PURCHASES + 10; i += 1) {
      const bought = await call(adv.url, 'POST', '/api/v1/adv/create', {
        body: { title: 'bench', text: 'x'.repeat(10) },
        headers: { ...headers, 'x-idempotency-key': randomUUID() },
      });
      if (bought.status !== 200)
        throw new Error(`purchase answered ${bought.status}: ${JSON.stringify(bought.body)}`);
      const answeredAt = performance.now();
      for (;;) {
        const listed = await call(notify.url, 'GET', `/api/v1/notification/${userId}?limit=1000&page=1`, {
          headers,
        });
        if (listed.body.data.length === i + 1) break;
        if (performance.now() - answeredAt > 10_000)
          throw new Error('the notification did not appear in 10 s');
      }
      if (i >= 10) latencies.push(performance.now() - answeredAt);
    }
  } finally {
    await adv.stop();
    await Promise.all([billing.stop(), bonus.stop(), notify.stop()]);
    if (!kafkaBus) await bus.close();
    await authority.close();
  }
  return latencies;
});
