import { randomUUID } from 'node:crypto';
import type { EventMessage } from '@adboard/kit';
import { call, useAuthority, useService, waitFor } from '@adboard/kit/testing';
import { describe, expect, it } from 'vitest';
import { notifyService } from '../src/app.js';

const authority = useAuthority();
const app = useService(notifyService, { authority });

let nextUser = 5000;
const orderEvent = (payload: Record<string, unknown>, id: string = randomUUID()): EventMessage => ({
  id,
  type: 'order.completed',
  source: 'app-adv',
  time: new Date().toISOString(),
  topic: 'order.event',
  key: String(payload.userId),
  payload,
});

async function list(userId: number, query = '') {
  const token = await authority.tokenFor({ id: userId });
  return call(app.url, 'GET', `/api/v1/notification/${userId}${query}`, {
    headers: { 'x-auth-token': token },
  });
}

describe('notifications from order.event', () => {
  it('lists a user’s notifications oldest first', async () => {
    const userId = nextUser++;
    await app.ports.bus!.publish([
      orderEvent({ userId, email: 'a@mail.ru', text: 'Объявление на сумму 300 успешно оплачено' }),
      orderEvent({ userId: userId + 1000, email: 'b@mail.ru', text: 'someone else' }),
      orderEvent({ userId, email: 'a@mail.ru', text: 'Ошибка выполнения платежа' }),
    ]);
    const response = await waitFor(async () => {
      const answer = await list(userId);
      return answer.body.data.length === 2 && answer;
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([
      {
        userId,
        email: 'a@mail.ru',
        text: 'Объявление на сумму 300 успешно оплачено',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      },
      { userId, email: 'a@mail.ru', text: 'Ошибка выполнения платежа', createdAt: expect.any(String) },
    ]);
    expect((await list(userId, '?limit=1&page=2')).body.data.map((n: { text: string }) => n.text)).toEqual([
      'Ошибка выполнения платежа',
    ]);
  });

  it('stores a message delivered twice once', async () => {
    const userId = nextUser++;
    const event = orderEvent({ userId, email: 'c@mail.ru', text: 'once' });
    await app.ports.bus!.publish([event, event]);
    await app.ports.bus!.publish([event, orderEvent({ userId, email: 'c@mail.ru', text: 'witness' })]);
    await waitFor(async () =>
      (await list(userId)).body.data.some((n: { text: string }) => n.text === 'witness'),
    );
    expect((await list(userId)).body.data.map((n: { text: string }) => n.text)).toEqual(['once', 'witness']);
  });

  it('sets aside a malformed event and goes on', async () => {
    const userId = nextUser++;
    await app.ports.bus!.publish([
      orderEvent({ userId, text: 'no email' }),
      orderEvent({ userId, email: 'd@mail.ru', text: 'fine' }),
    ]);
    await waitFor(async () => (await list(userId)).body.data.length === 1);
    const letters = await app.database!.db.query(
      "SELECT consumer FROM dead_letter WHERE payload->>'text' = 'no email'",
    );
    expect(letters.rows).toEqual([{ consumer: 'app-notify.order-event' }]);
  });

  it('sets aside an event whose text PostgreSQL cannot store (U+0000) and goes on', async () => {
    const userId = nextUser++;
    const poison = orderEvent({ userId, email: 'e@mail.ru', text: 'nul \u0000 byte' });
    await app.ports.bus!.publish([poison, orderEvent({ userId, email: 'e@mail.ru', text: 'after' })]);
    await waitFor(async () => (await list(userId)).body.data.length === 1, {
      timeoutMs: 10_000,
      what: 'the event after the poison one',
    });
    const letters = await app.database!.db.query(
      'SELECT raw, attempts FROM dead_letter WHERE event_id = $1',
      [poison.id],
    );
    expect(letters.rows).toEqual([{ raw: Buffer.from(JSON.stringify(poison.payload)), attempts: 5 }]);
  });

  it('answers an empty list as data: []', async () => {
    expect((await list(nextUser++)).body).toEqual({ success: true, data: [] });
  });

  it('answers 401 without a token and 403 for another user', async () => {
    expect((await call(app.url, 'GET', '/api/v1/notification/1')).status).toBe(401);
    const token = await authority.tokenFor({ id: 1 });
    const denied = await call(app.url, 'GET', '/api/v1/notification/2', {
      headers: { 'x-auth-token': token },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ success: false, errors: ['Access denied'] });
  });
});
