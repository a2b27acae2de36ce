import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { ServiceName } from '@adboard/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from './system.js';

/**
 * A bounded fuzz of the whole system, derived from the services' own OpenAPI documents: every
 * operation with hostile paths, bodies and headers, sent through the entry point and directly to
 * the service's port, plus HTTP-level abuse (oversized bodies, huge headers, broken request lines).
 * Every answer must come in time, never be a 5xx, and be in the contract's envelope.
 */

const SEED = 20_260_509;
const BUDGET = 2_200; // OpenAPI-derived requests, on top of the fixed HTTP-level cases
const CONCURRENCY = 8;
const ANSWER_WITHIN_MS = 10_000;

/** Answers that are not the JSON envelope by design. */
const NOT_ENVELOPE = [/^\/docs/, /^\/\.well-known\/jwks\.json$/, /^\/metrics$/];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Schema {
  type?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Operation {
  service: ServiceName;
  method: string;
  path: string;
  pathParams: Record<string, Schema>;
  query: Record<string, Schema>;
  body?: Schema;
  internal: boolean;
}
interface Case {
  service: ServiceName;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  internal: boolean;
}
interface Outcome {
  status: number;
  body: string;
  contentType: string;
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    shuffle: <T>(items: T[]): T[] => {
      for (let i = items.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    },
  };
}
const rng = random(SEED);

function validValue(name: string, schema: Schema): Json {
  if (schema.type === 'integer' || schema.type === 'number') {
    return Math.min(
      schema.maximum ?? 100,
      Math.max(schema.minimum ?? 1, name === 'phone' ? 79001234567 : 10),
    );
  }
  if (schema.format === 'email') return `fuzz_${randomUUID().slice(0, 12)}@mail.ru`;
  if (name === 'username') return `fuzz_${randomUUID().slice(0, 12)}`;
  if (name === 'password') return 'password-1';
  return 'fuzz text ✓'.padEnd(Math.max(schema.minLength ?? 1, 11), 'x').slice(0, schema.maxLength ?? 255);
}

function validBody(schema: Schema): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, s]) => [name, validValue(name, s)]),
  );
}

/** Hostile values for a field of this schema. */
function hostileValues(schema: Schema): Json[] {
  const common: Json[] = [
    null,
    '',
    '   ',
    [],
    {},
    true,
    'a\u0000b',
    '\ud800',
    '\udfff x',
    'ïñ€😀',
    '<script>',
  ];
  if (schema.type === 'integer' || schema.type === 'number') {
    const max = schema.maximum ?? 2_147_483_647;
    return [...common, 0, -1, 1.5, '5', '1e3', max + 1, Number.MAX_SAFE_INTEGER, 1e308, -0, '0x10'];
  }
  const max = schema.maxLength ?? 255;
  return [...common, 42, 'x'.repeat(max + 1), 'x'.repeat(max), "' OR 1=1 --", '%00', 'a@b', 'é'.repeat(max)];
}

function bodyVariants(schema: Schema | undefined): (string | undefined)[] {
  const raws: (string | undefined)[] = [undefined, '', 'null', '[]', '42', '"text"', 'true', '{"a":', '{}'];
  raws.push(
    '\u0000',
    '{"x":"\\u0000"}',
    '['.repeat(2000),
    JSON.stringify({ deep: JSON.parse('['.repeat(500) + ']'.repeat(500)) }),
  );
  if (!schema) return raws;
  const valid = validBody(schema);
  raws.push(JSON.stringify(valid), JSON.stringify({ ...valid, extra: { nested: [1, 2] } }));
  for (const [name, fieldSchema] of Object.entries(schema.properties ?? {})) {
    const { [name]: _dropped, ...without } = valid;
    raws.push(JSON.stringify(without));
    for (const value of hostileValues(fieldSchema))
      raws.push(JSON.stringify({ ...validBody(schema), [name]: value }));
  }
  return raws;
}

const PATH_VALUES = ['abc', '0', '-1', '1.5', '99999999999', '%00', '%E0%A4%A', '..%2F..', 'ïd', '1%20', ' '];

function headerVariants(operation: Operation): Record<string, string>[] {
  const key = () => ({ 'x-idempotency-key': randomUUID() });
  return [
    {},
    key(),
    { ...key(), 'content-type': 'text/plain' },
    { ...key(), 'content-type': 'application/x-www-form-urlencoded' },
    { ...key(), 'content-type': 'application/json; charset=utf-16' },
    { ...key(), 'content-type': 'not a/type;;' },
    { 'x-idempotency-key': 'k'.repeat(300) },
    { 'x-idempotency-key': ' ' },
    { 'idempotency-key': randomUUID() },
    { ...key(), 'x-request-deadline': '1' },
    { ...key(), 'x-request-deadline': String(Date.now() + 20) },
    { ...key(), 'x-service-token': 'forged.service.token' },
    { ...key(), 'x-auth-token': 'forged.user.token' },
    { ...key(), 'x-forwarded-for': `198.51.100.${Math.floor(rng.next() * 250)}` },
    { ...key(), traceparent: 'garbage', 'x-request-id': 'x'.repeat(500) },
    ...(operation.internal ? [{ ...key(), 'x-service-token': 'SERVICE' }] : []),
  ];
}

async function operationsOf(service: ServiceName, url: string): Promise<Operation[]> {
  const document = (await (await fetch(`${url}/docs/json`)).json()) as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { in: string; name: string; schema: Schema }[];
          requestBody?: { content: Record<string, { schema: Schema }> };
          security?: Record<string, unknown>[];
        }
      >
    >;
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const params = operation.parameters ?? [];
      const of = (where: string) =>
        Object.fromEntries(params.filter((p) => p.in === where).map((p) => [p.name, p.schema]));
      operations.push({
        service,
        method: method.toUpperCase(),
        path,
        pathParams: of('path'),
        query: of('query'),
        body: Object.values(operation.requestBody?.content ?? {})[0]?.schema,
        internal:
          (operation.security ?? []).some((s) => 'serviceToken' in s) &&
          !(operation.security ?? []).some((s) => 'userToken' in s),
      });
    }
  }
  return operations;
}

function casesOf(operation: Operation, userId: number): Case[] {
  const pathsFor = (): string[] => {
    const names = Object.keys(operation.pathParams);
    if (names.length === 0) return [operation.path];
    const fill = (value: string) =>
      names.reduce((path, name) => path.replace(`{${name}}`, value), operation.path);
    return [fill(String(userId)), fill(String(userId + 1)), ...PATH_VALUES.map(fill)];
  };
  const queries = Object.keys(operation.query).length
    ? [
        '',
        '?page=1&limit=100',
        '?page=0',
        '?limit=101',
        '?page=abc&limit=-1',
        '?page=1e3',
        '?limit=1&limit=2',
        '?page=%00',
      ]
    : ['', '?x=%00'];
  const { service, method, internal } = operation;
  const base = { service, method, internal };
  const cases: Case[] = [];
  for (const path of pathsFor()) {
    for (const query of queries) {
      cases.push({ ...base, path: `${path}${query}`, headers: rng.pick(headerVariants(operation)) });
    }
  }
  for (const body of bodyVariants(operation.body)) {
    for (const headers of [rng.pick(headerVariants(operation)), rng.pick(headerVariants(operation))]) {
      cases.push({ ...base, path: pathsFor()[0]!, headers, ...(body === undefined ? {} : { body }) });
    }
  }
  return cases;
}

function send(
  baseUrl: string,
  path: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          contentType: String(res.headers['content-type'] ?? ''),
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(ANSWER_WITHIN_MS, () => req.destroy(new Error(`no answer in ${ANSWER_WITHIN_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw exchange on one connection: resolves with all the server wrote, or fails on a hang. */
function sendRaw(baseUrl: string, parts: (string | Buffer)[]): Promise<Outcome> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in ${ANSWER_WITHIN_MS} ms`));
    }, ANSWER_WITHIN_MS);
    const done = () => {
      clearTimeout(timer);
      // An interim `100 Continue` comes first; the answer follows it.
      received = received.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      const head = received.slice(0, received.indexOf('\r\n\r\n'));
      const body = received.slice(received.indexOf('\r\n\r\n') + 4);
      resolve({ status, body, contentType: /content-type: ([^\r\n]*)/i.exec(head)?.[1] ?? '' });
    };
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (
        !received.startsWith('HTTP/1.1 100 ') &&
        /\r\n\r\n/.test(received) &&
        /content-length: (\d+)/i.test(received)
      ) {
        const length = Number(/content-length: (\d+)/i.exec(received)![1]);
        if (Buffer.byteLength(received.slice(received.indexOf('\r\n\r\n') + 4)) >= length) {
          socket.destroy();
          done();
        }
      }
    });
    socket.on('close', done);
    socket.on('error', () => undefined);
    for (const part of parts) socket.write(part);
  });
}

function isEnvelope(text: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { success, errors } = body as { success?: unknown; errors?: unknown };
  if (success === true) return true;
  return (
    success === false &&
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every(
      (item) =>
        typeof item === 'string' ||
        (typeof item === 'object' &&
          item !== null &&
          typeof (item as { text?: unknown }).text === 'string' &&
          ['string', 'undefined'].includes(typeof (item as { field?: unknown }).field)),
    )
  );
}

let system: TestSystem;
const session = (service: ServiceName): Record<string, string> =>
  service === 'app-auth' ? {} : { cookie: user.cookie };
let user: { id: number; cookie: string; token: string };

beforeAll(async () => {
  const t0 = Date.now();
  system = await startTestSystem({
    // The fuzz must reach the validation behind the limits: the limits themselves have their own tests.
    REGISTRATION_LIMIT_PER_ADDRESS: '1000000',
    MONEY_LIMIT_PER_USER: '1000000',
    LOGIN_LIMIT_PER_ADDRESS: '1000000',
    BOARD_LIMIT_PER_ADDRESS: '1000000',
  });
  const username = `fuzz_${randomUUID().slice(0, 12)}`;
  const registered = await send(
    system.url,
    '/app-user/api/v1/user/create',
    'POST',
    {},
    JSON.stringify({
      username,
      password: 'password',
      firstName: 'Fuzz',
      lastName: 'Er',
      email: `${username}@mail.ru`,
      phone: 79001234567,
    }),
  );
  const id = (JSON.parse(registered.body) as { data: { id: number } }).data.id;
  const login = await fetch(`${system.url}/app-auth/api/v1/login`, {
    method: 'POST',
    body: JSON.stringify({ username, password: 'password' }),
  });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const token = (await fetch(`${system.url}/app-auth/api/v1/auth`, { headers: { cookie } })).headers.get(
    'x-auth-token',
  )!;
  user = { id, cookie, token };
  console.log(`[fuzz] system up in ${Date.now() - t0} ms`);
  const deadline = Date.now() + 5_000;
  while ((await send(system.url, `/app-billing/api/v1/account/${id}`, 'GET', { cookie })).status !== 200) {
    if (Date.now() > deadline) throw new Error('no account was opened for the fuzz user');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await send(
    system.url,
    `/app-billing/api/v1/account/top-up/${id}`,
    'PUT',
    { cookie, 'x-idempotency-key': randomUUID() },
    '{"sum":100000}',
  );
}, 60_000);

afterAll(async () => {
  const t0 = Date.now();
  await system?.stop();
  console.log(`[fuzz] system stopped in ${Date.now() - t0} ms`);
});

describe('fuzz', () => {
  it('answers every hostile request in time, never with a 5xx, always in the envelope', async () => {
    const started = Date.now();
    const operations = (
      await Promise.all(
        (Object.entries(system.services) as [ServiceName, { url: string }][]).map(([name, service]) =>
          operationsOf(name, service.url),
        ),
      )
    ).flat();
    expect(operations.length).toBeGreaterThan(15);
    const cases = rng
      .shuffle(operations.flatMap((operation) => casesOf(operation, user.id)))
      .slice(0, BUDGET / 2);

    type Request = { target: 'entry point' | 'service port'; label: string; run: () => Promise<Outcome> };
    const requests: Request[] = [];
    for (const c of cases) {
      const service = system.services[c.service];
      const serviceToken = await service.serviceToken(c.service === 'app-user' ? 'app-auth' : 'app-adv');
      const headers = Object.fromEntries(
        Object.entries(c.headers).map(([name, value]) => [name, value === 'SERVICE' ? serviceToken : value]),
      );
      const label = `${c.method} /${c.service}${c.path} ${JSON.stringify(headers)} ${c.body?.slice(0, 80) ?? ''}`;
      requests.push({
        target: 'entry point',
        label,
        // app-auth's routes get no session: a logout or a login would end the one the fuzz runs on.
        run: () =>
          send(system.url, `/${c.service}${c.path}`, c.method, { ...session(c.service), ...headers }, c.body),
      });
      requests.push({
        target: 'service port',
        label,
        run: () => send(service.url, c.path, c.method, { 'x-auth-token': user.token, ...headers }, c.body),
      });
    }
    // HTTP-level abuse, on the entry point and on every service port.
    const big = Buffer.alloc(1024 * 1024, 'x'); // 8 × the body limit
    for (const base of [system.url, ...Object.values(system.services).map((service) => service.url)]) {
      const prefix = base === system.url ? '/app-user' : '';
      const create = `${prefix}/api/v1/user/create`;
      const abuse: [string, (string | Buffer)[]][] = [
        ['1 MB body', [`POST ${create} HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\n\r\n`, big]],
        [
          '1 MB chunked body',
          [
            `POST ${create} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n`,
            big,
            '\r\n0\r\n\r\n',
          ],
        ],
        [
          '64 KB header',
          [`GET ${prefix}/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(65_536)}\r\n\r\n`],
        ],
        ['bad request line', ['GET /health HTTP/1.1 junk\r\nHost: x\r\n\r\n']],
        ['unknown method', [`BREW ${prefix}/health HTTP/1.1\r\nHost: x\r\n\r\n`]],
        ['header without colon', [`GET ${prefix}/health HTTP/1.1\r\nHost x\r\n\r\n`]],
        ['bad chunk', [`POST ${create} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`]],
        [
          'more body than declared',
          [`POST ${create} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n{"username":"x"}`],
        ],
        [
          'Expect: 100-continue',
          [
            `POST ${create} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
          ],
        ],
        [
          'bad percent-encoding',
          [`GET ${prefix}/api/v1/user/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
        ],
      ];
      for (const [label, parts] of abuse) {
        requests.push({
          target: base === system.url ? 'entry point' : 'service port',
          label: `${label} → ${base}`,
          run: () => sendRaw(base, parts),
        });
      }
    }

    const histogram = new Map<string, number>();
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        let outcome: Outcome;
        try {
          outcome = await request.run();
        } catch (error) {
          failures.push(`${(error as Error).message}: ${request.label}`);
          continue;
        }
        const key = `${request.target} ${outcome.status}`;
        histogram.set(key, (histogram.get(key) ?? 0) + 1);
        const path =
          request.label
            .split(' ')[1]
            ?.replace(/^\/app-[a-z]+/, '')
            .split('?')[0] ?? '';
        const exempt = outcome.status < 400 && NOT_ENVELOPE.some((pattern) => pattern.test(path));
        if (outcome.status >= 500 || outcome.status === 0) {
          failures.push(`${outcome.status} ${outcome.body.slice(0, 120)}: ${request.label}`);
        } else if (!exempt && !isEnvelope(outcome.body)) {
          failures.push(
            `not the envelope (${outcome.status} ${outcome.body.slice(0, 80)}): ${request.label}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const byStatus = [...histogram.entries()].sort(([a], [b]) => a.localeCompare(b));
    console.log(
      `[fuzz] ${requests.length} requests (${operations.length} operations from the OpenAPI documents, seed ${SEED}) in ${seconds} s\n` +
        byStatus.map(([key, count]) => `[fuzz]   ${key}: ${count}`).join('\n') +
        `\n[fuzz] 5xx: ${[...histogram].filter(([key]) => / 5\d\d$/.test(key)).reduce((sum, [, n]) => sum + n, 0)}, hangs and other failures: ${failures.length}`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect(requests.length).toBeGreaterThan(2_000);

    // No money was made or lost along the way: the balance is the sum of the ledger.
    const account = JSON.parse(
      (await send(system.url, `/app-billing/api/v1/account/${user.id}`, 'GET', { cookie: user.cookie })).body,
    );
    let sum = 0;
    for (let page = 1; ; page += 1) {
      const entries = JSON.parse(
        (
          await send(
            system.url,
            `/app-billing/api/v1/account/${user.id}/transactions?page=${page}&limit=100`,
            'GET',
            { cookie: user.cookie },
          )
        ).body,
      ).data as { amount: number }[];
      sum += entries.reduce((total, entry) => total + entry.amount, 0);
      if (entries.length < 100) break;
    }
    expect(account.data.balance).toBe(sum);
  }, 120_000);
});
