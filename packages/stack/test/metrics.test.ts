import { SERVICE_NAMES } from '@adboard/gateway';
import { call } from '@adboard/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from './system.js';

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system?.stop());

describe('metrics of six services in one process (the embedded mode)', () => {
  it('each service answers its own scrape, and the process metrics appear in exactly one of them', async () => {
    const scrapes = await Promise.all(
      SERVICE_NAMES.map(async (name) => {
        const response = await call(system.services[name].url, 'GET', '/metrics');
        expect(response.status, name).toBe(200);
        const text = response.body as string;
        expect(text, name).toContain('# TYPE http_request_duration_seconds histogram');
        expect(text, name).toMatch(new RegExp(`service="${name}"`));
        return text;
      }),
    );
    const withProcessMetrics = scrapes.filter((text) => /^process_cpu_user_seconds_total\{/m.test(text));
    expect(withProcessMetrics).toHaveLength(1);
  });
});
