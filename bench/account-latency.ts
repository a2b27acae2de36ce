/**
 * How long after a registration answers 200 both of the user's accounts (billing and bonus) can be
 * read — the contract's target is 200 ms at p99 — in both run modes. Real PostgreSQL
 * (TEST_DATABASE_URL), real HTTP between the services.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:accounts
 */
import { performance } from 'node:perf_hooks';
import { billingService } from '@adboard/app-billing';
import { bonusService } from '@adboard/app-bonus';
import { userService } from '@adboard/app-user';
import { call, startTestAuthority, startTestService } from '@adboard/kit/testing';
import { inBothModes } from './modes.js';

const REGISTRATIONS = Number(process.env.BENCH_REGISTRATIONS ?? 200);

console.log('registration → both accounts readable (target: p99 ≤ 200 ms)');
await inBothModes(async (mode, bus) => {
  const authority = await startTestAuthority();
  const env = { AUTH_JWKS_URL: authority.jwksUrl };
  // One client registering many users: the per-address registration limit stays out of it.
  const user = await startTestService(userService, {
    env: { ...env, REGISTRATION_LIMIT_PER_ADDRESS: '100000000' },
    ...(bus ? { ports: { bus } } : {}),
  });
  const ports = { bus: user.ports.bus! };
  const billing = await startTestService(billingService, { env, ports });
  const bonus = await startTestService(bonusService, { env, ports });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < REGISTRATIONS + 10; i += 1) {
      const username = `bench_${mode}_${Date.now()}_${i}`;
      const registered = await call(user.url, 'POST', '/api/v1/user/create', {
        body: {
          username,
          password: 'password',
          firstName: 'B',
          lastName: 'M',
          email: `${username}@mail.ru`,
          phone: 1,
        },
      });
      const answeredAt = performance.now();
      if (registered.status !== 200)
        throw new Error(`registration answered ${registered.status}: ${JSON.stringify(registered.body)}`);
      const id = registered.body.data.id as number;
      const headers = { 'x-auth-token': await authority.tokenFor({ id }) };
      for (;;) {
        const [account, bonusAccount] = await Promise.all([
          call(billing.url, 'GET', `/api/v1/account/${id}`, { headers }),
          call(bonus.url, 'GET', `/api/v1/bonus/${id}`, { headers }),
        ]);
        if (account.status === 200 && bonusAccount.status === 200) break;
        if (performance.now() - answeredAt > 10_000)
          throw new Error(`accounts of user ${id} did not appear in 10 s`);
      }
      if (i >= 10) latencies.push(performance.now() - answeredAt); // the first ten warm up
    }
  } finally {
    await bonus.stop();
    await billing.stop();
    await user.stop();
    await authority.close();
  }
  return latencies;
});
