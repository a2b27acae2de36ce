import { randomUUID } from 'node:crypto';
import { createLogger, RetentionCleanup } from '@adboard/kit';
import { call, testRedisStore, waitFor, type TestService } from '@adboard/kit/testing';
import { describe, expect, it } from 'vitest';
import { purchaseStepRetention } from '../src/data/retention.js';
import { wordsOf } from '../src/domain/board.js';
import { useWorld, type User } from './harness.js';

const world = useWorld();

/** A word no other test's advertisement contains, so each test reads only its own part of the board. */
const uniqueWord = () => `w${randomUUID().replaceAll('-', '')}`;

const board = (query = '') => call(world.adv.url, 'GET', `/api/v1/board${query}`);

async function bought(user: User, title: string, text: string) {
  const response = await world.buy(user, randomUUID(), { title, text });
  expect(response.status).toBe(200);
  return response.body.data as { id: number; createdAt: string };
}

describe('words', () => {
  it('splits on anything but letters, marks and digits, lower-cases by Unicode rules, once each', () => {
    expect(wordsOf('Продам ГАРАЖ, гараж! Ёлка-2 café')).toEqual(['продам', 'гараж', 'ёлка', '2', 'café']);
    expect(wordsOf(' !? ')).toEqual([]);
  });
});

describe('GET /api/v1/board (public)', () => {
  it('lists active advertisements newest first, with the owner’s username and nothing private', async () => {
    const word = uniqueWord();
    const seller = await world.user(1000);
    const older = await bought(seller, `Старый ${word}`, 'первый текст');
    const newer = await bought(seller, `Новый ${word}`, 'второй текст');
    const response = await board(`?q=${word}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      data: [
        {
          id: newer.id,
          title: `Новый ${word}`,
          text: 'второй текст',
          createdAt: newer.createdAt,
          author: `user${seller.id}`,
        },
        {
          id: older.id,
          title: `Старый ${word}`,
          text: 'первый текст',
          createdAt: older.createdAt,
          author: `user${seller.id}`,
        },
      ],
    });
  });

  it('leaves out advertisements whose purchase failed or is still pending', async () => {
    const word = uniqueWord();
    const poor = await world.user(1);
    expect((await world.buy(poor, randomUUID(), { title: word, text: 'too expensive' })).status).toBe(400);
    const waiting = await world.user(1000);
    world.billingProxy.inject(`/api/v1/account/pay/${waiting.id}`, 'fail', 1_000);
    try {
      const pending = world.buy(waiting, randomUUID(), { title: word, text: 'waiting for billing' });
      await expect
        .poll(() => world.billingProxy.requestsTo(`/api/v1/account/pay/${waiting.id}`))
        .toBeGreaterThan(0);
      expect((await board(`?q=${word}`)).body.data).toEqual([]);
      world.billingProxy.clear();
      expect([200, 202]).toContain((await pending).status);
      await world.settledPurchases(waiting);
    } finally {
      world.billingProxy.clear();
    }
    expect((await board(`?q=${word}`)).body.data.map((item: { author: string }) => item.author)).toEqual([
      `user${waiting.id}`,
    ]);
  });

  it('matches every word of q against whole words of the title or text, case-insensitive', async () => {
    const word = uniqueWord();
    const seller = await world.user(1000);
    const garage = await bought(seller, `Продам ГАРАЖ ${word}`, 'Кирпичный, с ямой.');
    const bike = await bought(seller, `Велосипед ${word}`, 'Почти новый гараж не нужен');
    const ids = async (q: string) =>
      (await board(`?q=${encodeURIComponent(q)}`)).body.data.map((item: { id: number }) => item.id);
    expect(await ids(`${word} гараж`)).toEqual([bike.id, garage.id]);
    expect(await ids(`${word.toUpperCase()}, кирпичный!`)).toEqual([garage.id]);
    expect(await ids(`${word} велосипед`)).toEqual([bike.id]);
    expect(await ids(`${word} гар`)).toEqual([]); // a piece of a word is not a word
    expect(await ids(`${word} самолёт`)).toEqual([]);
  });

  it('pages through the board: page from 1, limit up to 100 (default 20)', async () => {
    const word = uniqueWord();
    const seller = await world.user(1000);
    const ads = [];
    for (let i = 1; i <= 3; i += 1) ads.push(await bought(seller, `${word} ${i}`, 'x'));
    const page = async (query: string) =>
      (await board(`?q=${word}&${query}`)).body.data.map((item: { id: number }) => item.id);
    expect(await page('limit=2')).toEqual([ads[2]!.id, ads[1]!.id]);
    expect(await page('limit=2&page=2')).toEqual([ads[0]!.id]);
    expect(await page('limit=2&page=3')).toEqual([]);
    expect((await board('')).body.data.length).toBeLessThanOrEqual(20);
  });

  it('answers 400 for a bad page, limit or q', async () => {
    expect((await board('?limit=101')).body).toEqual({
      success: false,
      errors: [{ text: 'This value should be less than or equal to 100.', field: 'limit' }],
    });
    expect((await board('?page=0')).body.errors).toEqual([
      { text: 'This value should be positive.', field: 'page' },
    ]);
    expect((await board('?page=x')).status).toBe(400);
    expect((await board(`?q=${'a'.repeat(201)}`)).body.errors).toEqual([
      { text: 'This value is too long. It should have 200 characters or less.', field: 'q' },
    ]);
    expect((await board('?q=%20')).body.errors).toEqual([{ text: 'Поле не может быть пустым', field: 'q' }]);
  });
});

describe('GET /api/v1/board, bounded', () => {
  it('pages down to the newest 1,000 matches; a deeper page is 400 and names the last page', async () => {
    expect((await board('?page=50')).status).toBe(200);
    expect((await board('?page=51')).body).toEqual({
      success: false,
      errors: [{ text: 'This value should be less than or equal to 50.', field: 'page' }],
    });
    expect((await board('?page=11&limit=100&q=x')).body.errors).toEqual([
      { text: 'This value should be less than or equal to 10.', field: 'page' },
    ]);
    expect((await board('?page=1000000')).body.errors).toEqual([
      { text: 'This value should be less than or equal to 1000.', field: 'page' },
    ]);
  });

  it('goes on below the last id of a page with `before`, at any depth', async () => {
    const word = uniqueWord();
    const seller = await world.user(1000);
    const [oldest, middle, newest] = [
      await bought(seller, word, 'a'),
      await bought(seller, word, 'b'),
      await bought(seller, word, 'c'),
    ];
    const ids = async (query: string) =>
      (await board(query)).body.data.map((item: { id: number }) => item.id);
    expect(await ids(`?q=${word}&limit=2`)).toEqual([newest!.id, middle!.id]);
    expect(await ids(`?q=${word}&limit=2&before=${middle!.id}`)).toEqual([oldest!.id]);
    expect(await ids(`?q=${word}&before=${oldest!.id}`)).toEqual([]);
    const below = await ids(`?limit=1&before=${newest!.id}`);
    expect(below).toHaveLength(1);
    expect(below[0]).toBeLessThan(newest!.id);
    expect((await board('?before=0')).body.errors).toEqual([
      { text: 'This value should be positive.', field: 'before' },
    ]);
  });

  it('refuses a q of more than 10 words', async () => {
    const words = Array.from({ length: 11 }, (_, index) => `w${index}`).join(' ');
    expect((await board(`?q=${encodeURIComponent(words)}`)).body).toEqual({
      success: false,
      errors: [{ text: 'This value should have 10 words or fewer.', field: 'q' }],
    });
    // Repeated words count once.
    expect((await board(`?q=${encodeURIComponent(`${words.slice(0, -3)} w0 W0`)}`)).status).toBe(200);
  });

  it('limits the reads of one client address: 429 with Retry-After', async () => {
    const limited = await world.anotherAdv({ BOARD_LIMIT_PER_ADDRESS: '2' });
    try {
      const read = () => call(limited.url, 'GET', '/api/v1/board?limit=1');
      expect((await read()).status).toBe(200);
      expect((await read()).status).toBe(200);
      const refused = await read();
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({
        success: false,
        errors: [{ text: 'Too many requests, try again later' }],
      });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.stop();
    }
  });

  it('counts the reads of two replicas together when they share Redis', async () => {
    const kv = testRedisStore('board reads counted across replicas');
    if (!kv) return;
    const replicas = [
      await world.anotherAdv({ BOARD_LIMIT_PER_ADDRESS: '2' }, undefined, { kv }),
      await world.anotherAdv({ BOARD_LIMIT_PER_ADDRESS: '2' }, undefined, { kv }),
    ];
    try {
      const read = (replica: { url: string }) =>
        call(replica.url, 'GET', '/api/v1/board?limit=1').then((answer) => answer.status);
      const [first, second] = replicas as [TestService, TestService];
      expect([await read(first), await read(second), await read(first), await read(second)]).toEqual([
        200, 200, 429, 429,
      ]);
    } finally {
      for (const replica of replicas) await replica.stop();
      await kv.close();
    }
  });

  it('reads on connections of its own and answers 503 when a read outlives its statement timeout', async () => {
    // A transaction holding the table makes every board read wait, as a slow plan would.
    await world.advDatabase.db.withClient(async (locker) => {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE advertisements IN ACCESS EXCLUSIVE MODE');
      try {
        const answers = Promise.all([1, 2, 3].map(() => board('?limit=1')));
        const waiting = await waitFor(
          async () => {
            const { rows } = await world.advDatabase.db.query<{ application_name: string }>(
              `SELECT application_name FROM pg_stat_activity
               WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            return rows.length >= 2 && rows.map((row) => row.application_name);
          },
          { what: 'board reads waiting for the table' },
        );
        expect(waiting.every((name) => name === 'app-adv board')).toBe(true);
        let settled: Awaited<typeof answers> | undefined;
        void answers.then((all) => (settled = all));
        await waitFor(() => settled, { what: 'the board reads to be answered' });
        for (const answer of settled!) {
          expect(answer.status).toBe(503);
          expect(answer.body).toEqual({
            success: false,
            errors: [{ text: 'The request took too long, try again later' }],
          });
        }
      } finally {
        await locker.query('ROLLBACK');
      }
    });
    expect((await board('?limit=1')).status).toBe(200);
  });
});

describe('GET /api/v1/adv/{id}/purchase', () => {
  const progress = (user: User, id: number) =>
    call(world.adv.url, 'GET', `/api/v1/adv/${id}/purchase`, { headers: { 'x-auth-token': user.token } });
  const stepsOf = (body: { data: { steps: { step: string; outcome: string; attempts: number }[] } }) =>
    body.data.steps.map(({ step, outcome, attempts }) => [step, outcome, attempts]);

  it('shows a successful purchase step by step, in order', async () => {
    const user = await world.user(1000);
    const ad = await bought(user, 'ok', 'x'.repeat(10));
    const response = await progress(user, ad.id);
    expect(response.status).toBe(200);
    expect(response.body.data.status).toBe('active');
    expect(stepsOf(response.body)).toEqual([
      ['bonus accrual', 'done', 1],
      ['payment', 'done', 1],
      ['activation', 'done', 1],
      ['notification', 'done', 1],
    ]);
    for (const step of response.body.data.steps) expect(step.at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('shows a refused payment and its compensation', async () => {
    const user = await world.user(5);
    const answer = await world.buy(user, randomUUID(), { title: 'poor', text: 'x'.repeat(10) });
    expect(answer.status).toBe(400);
    const [purchase] = await world.settledPurchases(user);
    const response = await progress(user, purchase!.advertisement_id);
    expect(response.body.data.status).toBe('failed');
    expect(stepsOf(response.body)).toEqual([
      ['bonus accrual', 'compensated', 1],
      ['payment', 'refused', 1],
      ['bonus reversal', 'done', 1],
      ['notification', 'done', 1],
    ]);
  });

  it('shows retries while billing is held back, then the outcome', async () => {
    const user = await world.user(1000);
    const path = `/api/v1/account/pay/${user.id}`;
    world.billingProxy.inject(path, 'fail', 1_000);
    try {
      const pending = world.buy(user, randomUUID(), { title: 'held', text: 'x'.repeat(10) });
      await expect.poll(() => world.billingProxy.requestsTo(path), { timeout: 5_000 }).toBeGreaterThan(1);
      const [purchase] = (
        await world.advDatabase.db.query<{ advertisement_id: number }>(
          'SELECT advertisement_id FROM purchases WHERE user_id = $1',
          [user.id],
        )
      ).rows;
      await expect
        .poll(async () => stepsOf((await progress(user, purchase!.advertisement_id)).body).at(-1))
        .toEqual(['payment', 'retrying', expect.any(Number)]);
      expect((await progress(user, purchase!.advertisement_id)).body.data.status).toBe('pending');
      world.billingProxy.clear();
      expect([200, 202]).toContain((await pending).status);
      await world.settledPurchases(user);
      const settled = (await progress(user, purchase!.advertisement_id)).body;
      expect(settled.data.status).toBe('active');
      const payment = settled.data.steps.find((step: { step: string }) => step.step === 'payment');
      expect(payment.outcome).toBe('done');
      expect(payment.attempts).toBe(world.billingProxy.requestsTo(path));
    } finally {
      world.billingProxy.clear();
    }
  });

  it('keeps a purchase’s steps 30 days after it ended, then shows its status without steps; an unfinished one keeps them', async () => {
    const user = await world.user(1000);
    const ended = await bought(user, 'long ago', 'x'.repeat(10));
    const endedRecently = await bought(user, 'recently', 'x'.repeat(10));
    const path = `/api/v1/account/pay/${user.id}`;
    const paidBefore = world.billingProxy.requestsTo(path);
    world.billingProxy.inject(path, 'fail', 1_000);
    try {
      const pending = world.buy(user, randomUUID(), { title: 'unfinished', text: 'x'.repeat(10) });
      await expect
        .poll(() => world.billingProxy.requestsTo(path), { timeout: 5_000 })
        .toBeGreaterThan(paidBefore + 1);
      const age = (advertisementIds: number[], finishedDaysAgo: number) =>
        world.advDatabase.db.query(
          `WITH aged AS (
             UPDATE purchases SET finished_at = now() - make_interval(days => $2)
             WHERE advertisement_id = ANY($1) AND finished_at IS NOT NULL RETURNING id)
           UPDATE purchase_steps SET at = now() - interval '40 days'
           WHERE purchase_id IN (SELECT id FROM aged)
              OR purchase_id IN (SELECT id FROM purchases WHERE user_id = $3 AND finished_at IS NULL)`,
          [advertisementIds, finishedDaysAgo, user.id],
        );
      await age([ended.id], 31);
      await age([endedRecently.id], 29);
      const retention = new RetentionCleanup({
        db: world.advDatabase.db,
        logger: createLogger('retention-test', 'silent'),
        rules: [purchaseStepRetention(30)],
      });
      expect(await retention.sweep()).toEqual({ purchase_steps: 4 });

      const afterRetention = await progress(user, ended.id);
      expect(afterRetention.status).toBe(200);
      expect(afterRetention.body.data).toEqual({ status: 'active', steps: [] });
      expect(stepsOf((await progress(user, endedRecently.id)).body)).toHaveLength(4);
      const [unfinished] = (
        await world.advDatabase.db.query<{ advertisement_id: number }>(
          'SELECT advertisement_id FROM purchases WHERE user_id = $1 AND finished_at IS NULL',
          [user.id],
        )
      ).rows;
      expect(stepsOf((await progress(user, unfinished!.advertisement_id)).body)).toEqual([
        ['bonus accrual', 'done', 1],
        ['payment', 'retrying', expect.any(Number)],
      ]);
      world.billingProxy.clear();
      await pending;
    } finally {
      world.billingProxy.clear();
    }
  });

  it('is the owner’s only: 401 without a token, 404 for someone else’s or an unknown advertisement', async () => {
    const owner = await world.user(1000);
    const other = await world.user();
    const ad = await bought(owner, 'mine', 'x');
    expect((await call(world.adv.url, 'GET', `/api/v1/adv/${ad.id}/purchase`)).status).toBe(401);
    expect((await progress(other, ad.id)).body).toEqual({
      success: false,
      errors: [{ text: 'Объявление не найдено' }],
    });
    expect((await progress(owner, 2_000_000_000)).status).toBe(404);
    expect((await progress(owner, 0)).status).toBe(404);
  });
});
