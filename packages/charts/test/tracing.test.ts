import { SERVICE_NAMES } from '@adboard/gateway';
import { describe, expect, it } from 'vitest';
import { appChart, gatewayChart, named, render, renderWith, type Chart } from './support/render.js';

interface ConfigMap {
  data: Record<string, string>;
}

const charts: [string, Chart][] = [
  ...SERVICE_NAMES.map((service): [string, Chart] => [service, appChart(service)]),
  ['gateway', gatewayChart],
];

describe.each(charts)('the %s chart and OpenTelemetry', (service, chart) => {
  const configMapOf = (objects: ReturnType<typeof render>) =>
    named<ConfigMap>(objects, 'ConfigMap', `${service}-config`);

  it('leaves tracing off by default', () => {
    expect(configMapOf(render(chart)).data).not.toHaveProperty('OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('turns it on with tracing.otlpEndpoint', () => {
    const endpoint = 'http://otel-collector.monitoring:4318';
    const objects = renderWith(chart, ['--set', `tracing.otlpEndpoint=${endpoint}`]);
    expect(configMapOf(objects).data.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(endpoint);
  });
});
