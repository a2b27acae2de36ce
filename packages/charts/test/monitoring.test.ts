import { SERVICE_NAMES } from '@adboard/gateway';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from './support/paths.js';
import {
  appChart,
  named,
  ofKind,
  render,
  renderWith,
  validateObject,
  type IDeployment,
  type IService,
} from './support/render.js';

const MONITORING_ON = [
  '--set',
  'metrics.serviceMonitor.enabled=true',
  '--set',
  'metrics.prometheusRule.enabled=true',
];

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
}
interface RuleObject {
  spec: { groups: { name: string; rules: Rule[] }[] };
}
interface MonitorObject {
  spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
}

/** The metric names the services define (`name: '…'` next to a prom-client metric in kit and the apps). */
function definedMetrics(): Set<string> {
  const names = new Set<string>();
  const roots = ['packages/kit/src', ...SERVICE_NAMES.map((service) => `${service}/src`)];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts'))
        for (const match of readFileSync(path, 'utf8').matchAll(/name: '([a-z_][a-z0-9_]*)',\s*help:/g))
          names.add(match[1]!);
    }
  };
  for (const root of roots) walk(repoPath(root));
  return names;
}

/** The metric names a PromQL expression reads (identifiers followed by `{`, `[` or a space-free end). */
function metricsIn(expr: string): string[] {
  const functions = new Set(['sum', 'rate', 'increase', 'histogram_quantile', 'by', 'and', 'or', 'delta']);
  return [...expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*[{[]/g)]
    .map((match) => match[1]!)
    .filter((name) => !functions.has(name));
}

/** A metric the code defines, a histogram's series of one, or prom-client's process metrics. */
function isExported(name: string, defined: Set<string>): boolean {
  if (/^(process|nodejs)_/.test(name)) return true;
  return defined.has(name) || defined.has(name.replace(/_(count|bucket|sum)$/, ''));
}

describe.each(SERVICE_NAMES)('monitoring in the %s chart', (service) => {
  const chart = appChart(service);

  it('renders no ServiceMonitor or PrometheusRule by default (a cluster without the operator has no such kinds)', () => {
    const kinds = render(chart).map((object) => object.kind);
    expect(kinds).not.toContain('ServiceMonitor');
    expect(kinds).not.toContain('PrometheusRule');
  });

  it('annotates its pods for Prometheus scraping on the container port', () => {
    const deployment = named<IDeployment>(render(chart), 'Deployment', service);
    const port = deployment.spec!.template.spec!.containers[0]!.ports![0]!.containerPort;
    expect(deployment.spec!.template.metadata!.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(port),
      'prometheus.io/path': '/metrics',
    });
  });

  it('renders, when switched on, a valid ServiceMonitor for its Service and a valid PrometheusRule with the five alerts', () => {
    const objects = renderWith(chart, MONITORING_ON);
    for (const object of objects) {
      expect(() => validateObject(object), `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
    const monitor = named<MonitorObject>(objects, 'ServiceMonitor', service);
    const svc = named<IService>(objects, 'Service', service);
    expect(svc.metadata!.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    expect(svc.spec!.ports!.map((port) => port.name)).toContain('http');

    const [rules] = ofKind<RuleObject>(objects, 'PrometheusRule');
    const alerts = rules!.spec.groups.flatMap((group) => group.rules);
    expect(alerts.map((rule) => rule.alert)).toEqual([
      'AdboardHighErrorRate',
      'AdboardPurchasesStuck',
      'AdboardOutboxGrowing',
      'AdboardServiceCredentialsRefused',
      'AdboardDeadLetters',
      'AdboardEventsDropped',
    ]);
    for (const rule of alerts) expect(rule.expr).toContain(`service="${service}"`);
  });
});

describe('alert rules and the Grafana dashboard (deploy/grafana/adboard.json)', () => {
  const defined = definedMetrics();

  it('finds the metrics the services define', () => {
    expect(defined).toContain('purchases_unfinished');
    expect(defined).toContain('outbox_backlog_events');
  });

  it('alert only on metrics the services export', () => {
    const objects = renderWith(appChart('app-adv'), MONITORING_ON);
    const [rules] = ofKind<RuleObject>(objects, 'PrometheusRule');
    const used = rules!.spec.groups.flatMap((group) => group.rules.flatMap((rule) => metricsIn(rule.expr)));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !isExported(name, defined))).toEqual([]);
  });

  it('chart only metrics the services export, in every panel', () => {
    const dashboard = JSON.parse(readFileSync(repoPath('deploy/grafana/adboard.json'), 'utf8')) as {
      uid: string;
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.uid).toBe('adboard');
    for (const panel of dashboard.panels) {
      const used = panel.targets.flatMap((target) => metricsIn(target.expr));
      expect(used.length, panel.title).toBeGreaterThan(0);
      expect(
        used.filter((name) => !isExported(name, defined)),
        panel.title,
      ).toEqual([]);
    }
  });
});
