import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../src/metrics.js';

describe('process metrics', () => {
  it('are collected once per process, by its first registry, and every registry still serves its own', async () => {
    const registries = ['app-user', 'app-auth', 'app-billing'].map(createMetricsRegistry);
    const texts = await Promise.all(registries.map((registry) => registry.metrics()));
    const carrying = texts.filter((text) => text.includes('process_cpu_user_seconds_total'));
    expect(carrying).toHaveLength(1);
    expect(texts[0]).toContain('process_cpu_user_seconds_total{service="app-user"}');
  });
});
