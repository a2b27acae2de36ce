import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startEchoUpstream } from './servers.js';

const mainPath = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('main', () => {
  it('runs from the environment, proxies, and stops cleanly on SIGTERM', async () => {
    const upstream = await startEchoUpstream();
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', mainPath], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', APP_USER_URL: upstream.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    try {
      let url: string | undefined;
      for await (const line of createInterface({ input: child.stdout })) {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'gateway started') {
          url = entry.url;
          break;
        }
      }
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${url}/app-user/api/v1/user/create?from=main`);
      expect(((await response.json()) as { url: string }).url).toBe('/api/v1/user/create?from=main');
      expect((await fetch(`${url}/app-notify/health`)).status).toBe(404);
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await upstream.close();
    }
  });
});
