/**
 * Keeps asking for a user's profile through the gateway while a command runs (e.g. a rolling
 * update), and fails when any answer is not 200: the deployment kept serving, or it did not.
 *
 *   npx tsx deploy/tools/serve-during.ts http://127.0.0.1:28080 'helm upgrade ... && kubectl rollout status ...'
 */
import { GatewaySession, runShell } from './gateway-client.js';

const [baseUrl, command] = process.argv.slice(2);
if (!baseUrl || !command) throw new Error('usage: serve-during.ts <gateway URL> <command>');

const session = new GatewaySession(baseUrl);
const id = await session.registerAndLogin();
let done = false;
let answered = 0;
const failures: string[] = [];

// Four clients in a loop, each request after the previous answer.
const clients = Array.from({ length: 4 }, async () => {
  while (!done) {
    try {
      const { status, body } = await session.call('GET', `/app-user/api/v1/user/${id}`, { timeoutMs: 5_000 });
      if (status === 200) answered += 1;
      else failures.push(`status ${status}: ${JSON.stringify(body)}`);
    } catch (error) {
      failures.push(String(error));
    }
  }
});
const started = Date.now();
const exitCode = await runShell(command);
done = true;
await Promise.all(clients);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.error(`serve-during: ${answered} answers 200, ${failures.length} failures in ${seconds} s`);
for (const failure of [...new Set(failures)]) console.error(`  failure: ${failure}`);
if (exitCode !== 0) throw new Error(`the command failed (exit ${exitCode})`);
if (failures.length > 0 || answered === 0) process.exit(1);
