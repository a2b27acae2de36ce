/**
 * Buys advertisements through the gateway while a command kills the service in the middle (e.g.
 * `kubectl delete pod` of app-adv), then repeats every purchase with its key until it has an outcome
 * and checks the books: nothing is lost or doubled.
 *   - every purchase ends 200 (active advertisement) or 400 (not enough money), never half-done;
 *   - balance = top-up − Σ price of the active advertisements; bonus = Σ 10 % of each price;
 *   - one "paid" notification per active advertisement; no advertisement left pending.
 *
 *   npx tsx deploy/tools/purchases-across-restart.ts http://127.0.0.1:28080 'kubectl delete pod ...'
 */
import { randomUUID } from 'node:crypto';
import { GatewaySession, runShell, until } from './gateway-client.js';

const [baseUrl, command] = process.argv.slice(2);
if (!baseUrl || !command) throw new Error('usage: purchases-across-restart.ts <gateway URL> <command>');

const PURCHASES = 24;
const TOP_UP = 5_000; // enough for most, not all: some purchases must be refused
const session = new GatewaySession(baseUrl);
const id = await session.registerAndLogin();
const topUp = await session.call('PUT', `/app-billing/api/v1/account/top-up/${id}`, {
  key: randomUUID(),
  body: { sum: TOP_UP },
});
if (topUp.status !== 200) throw new Error(`top-up: ${topUp.status}`);

const purchases = Array.from({ length: PURCHASES }, (_, index) => ({
  key: randomUUID(),
  // 200..430 characters, so the price varies
  body: { title: `verify ${index}`, text: 'x'.repeat(200 + index * 10) },
}));
const buy = (purchase: (typeof purchases)[number]) =>
  session.call('POST', '/app-adv/api/v1/adv/create', { key: purchase.key, body: purchase.body });

// The first wave, one purchase every 200 ms; the command runs while they are in flight.
const firstAnswers: string[] = [];
const wave = purchases.map(async (purchase, index) => {
  await new Promise((resolve) => setTimeout(resolve, index * 200));
  try {
    firstAnswers.push(String((await buy(purchase)).status));
  } catch (error) {
    firstAnswers.push((error as Error).name);
  }
});
await new Promise((resolve) => setTimeout(resolve, 500));
const exitCode = await runShell(command);
if (exitCode !== 0) throw new Error(`the command failed (exit ${exitCode})`);
await Promise.all(wave);

// Repeat each purchase with its key until it has an outcome: 200 or 400.
const outcomes = new Map<string, { status: number; body: any }>();
await until('an outcome for every purchase', 120_000, async () => {
  for (const purchase of purchases) {
    if (outcomes.has(purchase.key)) continue;
    const answer = await buy(purchase).catch(() => undefined);
    if (answer && (answer.status === 200 || answer.status === 400)) outcomes.set(purchase.key, answer);
  }
  return outcomes.size === purchases.length;
});

const paid = [...outcomes.values()].filter((outcome) => outcome.status === 200);
const prices = paid.map((outcome) => outcome.body.data.cost as number);
const account = await session.call('GET', `/app-billing/api/v1/account/${id}`);
const bonus = await session.call('GET', `/app-bonus/api/v1/bonus/${id}`);
const advertisements = await session.call('GET', '/app-adv/api/v1/adv?limit=100');
const notifications = await session.call('GET', `/app-notify/api/v1/notification/${id}`);
const spent = prices.reduce((sum, price) => sum + price, 0);
const accrued = prices.reduce((sum, price) => sum + Math.floor((price * 10) / 100 + 0.5), 0);
const statuses = (advertisements.body.data as { status: string }[]).map((ad) => ad.status);
const paidNotes = (notifications.body.data as { text: string }[]).filter((note) =>
  note.text.startsWith('Объявление на сумму'),
);

const problems: string[] = [];
if (account.body.data.balance !== TOP_UP - spent)
  problems.push(`balance ${account.body.data.balance}, expected ${TOP_UP - spent}`);
if (bonus.body.data.bonus !== accrued) problems.push(`bonus ${bonus.body.data.bonus}, expected ${accrued}`);
if (statuses.filter((status) => status === 'active').length !== paid.length)
  problems.push(
    `active advertisements: ${statuses.filter((s) => s === 'active').length}, paid: ${paid.length}`,
  );
if (statuses.includes('pending')) problems.push('an advertisement is still pending');
if (paidNotes.length !== paid.length)
  problems.push(`paid notifications: ${paidNotes.length}, paid purchases: ${paid.length}`);
if (paid.length === 0 || paid.length === purchases.length)
  problems.push(`${paid.length} of ${purchases.length} paid: expected some paid and some refused`);

console.error(
  `purchases-across-restart: first answers ${JSON.stringify(count(firstAnswers))}; outcomes: ${paid.length} paid, ` +
    `${purchases.length - paid.length} refused; balance ${account.body.data.balance}, bonus ${bonus.body.data.bonus}`,
);
for (const problem of problems) console.error(`  PROBLEM: ${problem}`);
if (problems.length > 0) process.exit(1);

function count(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
