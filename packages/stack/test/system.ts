import { advService } from '@adboard/app-adv';
import { authService } from '@adboard/app-auth';
import { billingService } from '@adboard/app-billing';
import { bonusService } from '@adboard/app-bonus';
import { notifyService } from '@adboard/app-notify';
import { userService } from '@adboard/app-user';
import { createGateway, type Gateway, type ServiceName } from '@adboard/gateway';
import {
  createLogger,
  generateSigningKey,
  InMemoryEventBus,
  InMemoryKeyValueStore,
  type EventBus,
  type ServiceModule,
} from '@adboard/kit';
import { freePort, startTestService, type TestService } from '@adboard/kit/testing';

export interface TestSystem {
  /** The entry point's URL. */
  url: string;
  services: Record<ServiceName, TestService>;
  stop(): Promise<void>;
}

const MODULES: [ServiceName, ServiceModule][] = [
  ['app-auth', authService],
  ['app-user', userService],
  ['app-billing', billingService],
  ['app-bonus', bonusService],
  ['app-adv', advService],
  ['app-notify', notifyService],
];

/**
 * The six services and the entry point as the embedded stack wires them — real HTTP between
 * them, the in-process bus (or the one given) and session store — on the test PostgreSQL server, each on a free port.
 */
export async function startTestSystem(
  env: Record<string, string> = {},
  bus: EventBus = new InMemoryEventBus(),
): Promise<TestSystem> {
  const ports = Object.fromEntries(
    await Promise.all(MODULES.map(async ([name]) => [name, await freePort()] as const)),
  ) as Record<ServiceName, number>;
  const urlOf = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`;
  const kv = new InMemoryKeyValueStore();
  const wiring = {
    AUTH_PRIVATE_KEY: generateSigningKey(),
    AUTH_JWKS_URL: `${urlOf('app-auth')}/.well-known/jwks.json`,
    USER_SERVICE_URL: urlOf('app-user'),
    BILLING_SERVICE_URL: urlOf('app-billing'),
    BONUS_SERVICE_URL: urlOf('app-bonus'),
    ...env,
  };
  const services = {} as Record<ServiceName, TestService>;
  let gateway: Gateway | undefined;
  const stop = async () => {
    await gateway?.stop();
    // Every request has been answered by now. Connections the entry point opened and never used
    // count as busy for Node until its headers timeout (about a minute), so they are cut here.
    for (const service of Object.values(services)) service.service.http.server.closeAllConnections();
    for (const [name] of [...MODULES].reverse()) await services[name]?.stop();
    await bus.close();
    await kv.close();
  };
  try {
    // They need one another only once requests flow, so they can start together.
    const started = await Promise.allSettled(
      MODULES.map(async ([name, module]) => {
        services[name] = await startTestService(module, {
          port: ports[name],
          database: name !== 'app-auth',
          ports: name === 'app-auth' ? { kv, bus } : { bus },
          env: wiring,
        });
      }),
    );
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    gateway = await createGateway({
      upstreams: Object.fromEntries(MODULES.map(([name]) => [name, urlOf(name)])),
      logger: createLogger('gateway', process.env.TEST_LOG_LEVEL ?? 'silent'),
    });
    return { url: await gateway.start(0, '127.0.0.1'), services, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
