import { randomUUID } from 'node:crypto';
import { createLogger, KafkaEventBus, SpanKind, type EventBus } from '@adboard/kit';
import {
  call,
  captureSpans,
  createTestTopics,
  stackUsers,
  testKafka,
  testTopicPrefix,
  waitFor,
  type CapturedSpans,
  type ReadableSpan,
} from '@adboard/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from './system.js';

const serviceOf = (span: ReadableSpan) => span.attributes['adboard.service'];

/**
 * A purchase through the entry point is one trace: the entry point's request, forward auth at
 * app-auth, app-adv and its calls to app-bonus and app-billing, their PostgreSQL queries, the
 * outbox's publish of `order.event` and app-notify's consumption of it (both under the span whose
 * transaction wrote the event), each span under its parent.
 */
async function expectPurchaseIsOneTrace(system: TestSystem, captured: CapturedSpans) {
  const [user] = await stackUsers(system.url, 1, 'trace');
  const headers = { cookie: user!.cookie, 'x-idempotency-key': randomUUID() };
  await waitFor(
    async () =>
      (await call(system.url, 'GET', `/app-bonus/api/v1/bonus/${user!.id}`, { headers })).status === 200,
    { what: 'the bonus account', timeoutMs: 15_000 },
  );
  const topUp = await call(system.url, 'PUT', `/app-billing/api/v1/account/top-up/${user!.id}`, {
    body: { sum: 100 },
    headers,
  });
  expect(topUp.status).toBe(200);
  const purchase = await call(system.url, 'POST', '/app-adv/api/v1/adv/create', {
    body: { title: 'Traced', text: 'x'.repeat(20) },
    headers: { ...headers, 'x-idempotency-key': randomUUID() },
  });
  expect(purchase.status, JSON.stringify(purchase.body)).toBe(200);

  const entry = captured
    .spans()
    .find(
      (span) =>
        serviceOf(span) === 'gateway' &&
        span.kind === SpanKind.SERVER &&
        span.attributes['url.path'] === '/app-adv/api/v1/adv/create',
    );
  expect(entry).toBeDefined();
  const traceId = entry!.spanContext().traceId;
  const inTrace = () => captured.spans().filter((span) => span.spanContext().traceId === traceId);
  const consumed = await waitFor(
    () => inTrace().find((span) => serviceOf(span) === 'app-notify' && span.kind === SpanKind.CONSUMER),
    { what: "app-notify's span for the purchase's order.event", timeoutMs: 15_000 },
  );

  const spans = inTrace();
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
  const parentOf = (span: ReadableSpan) => byId.get(span.parentSpanContext?.spanId ?? '');
  expect(entry!.parentSpanContext).toBeUndefined();
  for (const span of spans) if (span !== entry) expect(parentOf(span), span.name).toBeDefined();

  const servers = new Set(spans.filter((span) => span.kind === SpanKind.SERVER).map(serviceOf));
  expect([...servers].sort()).toEqual(['app-adv', 'app-auth', 'app-billing', 'app-bonus', 'gateway']);
  expect(
    spans.some((span) => span.attributes['db.system.name'] === 'postgresql' && serviceOf(span) === 'app-adv'),
  ).toBe(true);
  // The relay publishes under the producing transaction's span, and the consumer continues it.
  const producing = parentOf(consumed)!;
  expect(serviceOf(producing)).toBe('app-adv');
  const publish = spans.find((span) => span.kind === SpanKind.PRODUCER && parentOf(span) === producing);
  expect(publish?.attributes['messaging.destination.name']).toBe('order.event');
  expect(serviceOf(publish!)).toBe('app-adv');
  expect(
    spans.some((span) => parentOf(span) === consumed && span.attributes['db.system.name'] === 'postgresql'),
  ).toBe(true);
}

describe('traces of a purchase, in-process bus', () => {
  let captured: CapturedSpans;
  let system: TestSystem;
  beforeAll(async () => {
    captured = captureSpans();
    system = await startTestSystem();
  }, 60_000);
  afterAll(async () => {
    await system?.stop();
    await captured?.stop();
  });

  it(
    'is one trace from the entry point to app-notify',
    () => expectPurchaseIsOneTrace(system, captured),
    30_000,
  );
});

const kafka = testKafka();
if (kafka.skip) console.warn(`[skip] traces of a purchase on Kafka: ${kafka.skip}`);

describe.skipIf(kafka.skip !== undefined)('traces of a purchase, Kafka (a real cluster)', () => {
  let captured: CapturedSpans;
  let system: TestSystem;
  beforeAll(async () => {
    captured = captureSpans();
    const topicPrefix = testTopicPrefix('traces');
    await createTestTopics(kafka.brokers!, topicPrefix);
    const bus: EventBus = new KafkaEventBus({
      brokers: kafka.brokers!,
      clientId: 'traces-test',
      logger: createLogger('kafka', 'silent'),
      topicPrefix,
    });
    system = await startTestSystem({}, bus);
  }, 60_000);
  afterAll(async () => {
    await system?.stop();
    await captured?.stop();
  });

  it(
    'is one trace from the entry point to app-notify',
    () => expectPurchaseIsOneTrace(system, captured),
    60_000,
  );
});
