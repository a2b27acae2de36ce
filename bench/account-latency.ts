/**
 * How long after a registration answers 200 both of the user's accounts (billing and bonus) can be
 * read — the contract's target is 200 ms at p99 — in both run modes: the in-process bus, and Kafka
 * (kafkajs against librdkafka's mock cluster, `kcat` needed). Real PostgreSQL from
 * TEST_DATABASE_URL (or BENCH_DATABASE_URL), real HTTP between the services.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:accounts
 */
import { performance } from 'node:perf_hooks';
import { billingService } from '@adboard/app-billing';
import { bonusService } from '@adboard/app-bonus';
import { userService } from '@adboard/app-user';
import { createLogger, KafkaEventBus, type EventBus } from '@adboard/kit';
import {
  call,
  hasMockKafka,
  startMockKafka,
  startTestAuthority,
  startTestService,
} from '@adboard/kit/testing';

const REGISTRATIONS = Number(process.env.BENCH_REGISTRATIONS ?? 200);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(mode: string, bus: () => EventBus | undefined): Promise<void> {
  const authority = await startTestAuthority();
  const env = { AUTH_JWKS_URL: authority.jwksUrl };
  const shared = bus();
  const ports = shared ? { bus: shared } : undefined;
  const user = await startTestService(userService, { env, ...(ports ? { ports } : {}) });
  const busOfUser = user.ports.bus!;
  const billing = await startTestService(billingService, { env, ports: { bus: busOfUser } });
  const bonus = await startTestService(bonusService, { env, ports: { bus: busOfUser } });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < REGISTRATIONS + 10; i += 1) {
      const username = `bench_${mode}_${Date.now()}_${i}`;
      const registered = await call(user.url, 'POST', '/api/v1/user/create', {
        body: {
          username,
          password: 'pw',
          firstName: 'B',
          lastName: 'M',
          email: `${username}@mail.ru`,
          phone: 1,
        },
      });
      const answeredAt = performance.now();
      const id = registered.body.data.id as number;
      const token = await authority.tokenFor({ id });
      const headers = { 'x-auth-token': token };
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
    await shared?.close();
    await authority.close();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(
    `${mode.padEnd(12)} n=${sorted.length}  p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted.at(-1)!)}`,
  );
}

console.log(`registration → both accounts readable (target: p99 ≤ 200 ms)`);
await measure('in-process', () => undefined);
if (hasMockKafka()) {
  const kafka = await startMockKafka();
  await measure(
    'kafka',
    () =>
      new KafkaEventBus({
        brokers: [kafka.brokers],
        clientId: 'bench',
        logger: createLogger('bench', 'error'),
      }),
  );
  await kafka.stop();
} else {
  console.log('kafka        skipped: kcat (librdkafka mock cluster) is not on the PATH');
}
