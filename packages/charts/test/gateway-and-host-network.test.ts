import { gatewayConfigSchema, SERVICE_NAMES, type ServiceName } from '@adboard/gateway';
import { loadConfig } from '@adboard/kit';
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from './support/paths.js';
import {
  appChart,
  chartValues,
  gatewayChart,
  named,
  render,
  renderWith,
  type IConfigMap,
  type IDeployment,
  type IService,
} from './support/render.js';
import { CONFIG_SCHEMAS } from './support/schemas.js';

describe('the gateway chart packages/gateway/.helm', () => {
  const objects = render(gatewayChart);
  const deployment = named<IDeployment>(objects, 'Deployment', 'gateway');
  const pod = deployment.spec!.template.spec!;
  const container = pod.containers[0]!;
  const config = named<IConfigMap>(objects, 'ConfigMap', 'gateway-config');

  it('renders a Deployment, a ConfigMap and a Service, no Ingress (it is the entry point itself)', () => {
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'ConfigMap/gateway-config',
      'Deployment/gateway',
      'Service/gateway',
    ]);
    expect(named<IService>(objects, 'Service', 'gateway').spec?.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  it('runs the gateway image and its compiled main script, with no migrations and no secrets', () => {
    expect(container.image).toBe('adboard/gateway:0.1.0');
    expect(container.command).toEqual(['node', 'packages/gateway/dist/src/main.js']);
    expect(pod.initContainers).toBeUndefined();
    expect(container.env).toBeUndefined();
    expect(container.readinessProbe?.httpGet).toMatchObject({ path: '/ready', port: 'http' });
  });

  it("forwards to every service's Service and passes the gateway's configuration loader", () => {
    const env = config.data!;
    for (const name of Object.keys(env))
      expect(Object.keys(gatewayConfigSchema.properties), name).toContain(name);
    const loaded = loadConfig(gatewayConfigSchema, env);
    for (const service of SERVICE_NAMES) {
      const upstream = loaded[`${service.replace('-', '_').toUpperCase()}_URL` as keyof typeof loaded];
      expect(upstream, service).toBe(`http://${service}`);
      // ... which is the name of the Service that the service's own chart renders
      expect(named<IService>(render(appChart(service)), 'Service', service).spec?.ports?.[0]?.port).toBe(80);
    }
  });

  it('takes its templates from the library chart through a relative symlink', () => {
    const link = repoPath(gatewayChart.path, 'charts', 'adboard-lib');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('../../../../.helm/adboard-lib');
    expect(realpathSync(link)).toBe(realpathSync(repoPath('.helm/adboard-lib')));
  });
});

describe('host network mode (values: hostNetwork, port), as deploy/verify-k8s.sh installs the charts', () => {
  const charts = [
    ...SERVICE_NAMES.map((service) => [service, appChart(service)] as const),
    ['gateway', gatewayChart] as const,
  ];

  it.each(charts)('%s: pods on the node network, probes and Service on the given port', (name, chart) => {
    const objects = renderWith(chart, ['-f', 'deploy/verify-k8s-values.yaml', '--set', 'port=28099']);
    const pod = named<IDeployment>(objects, 'Deployment', name).spec!.template.spec!;
    const container = pod.containers[0]!;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    // No declared port: it would be a host port, one pod per node, and a rolling update's new pod
    // could not start beside the old one. Both listen with SO_REUSEPORT instead.
    expect(container.ports).toBeUndefined();
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe])
      expect(probe?.httpGet?.port).toBe(28099);
    const env = named<IConfigMap>(objects, 'ConfigMap', `${name}-config`).data!;
    expect(env).toMatchObject({ PORT: '28099', REUSE_PORT: 'true', HOST: '127.0.0.1' });
    expect(named<IService>(objects, 'Service', name).spec?.ports?.[0]?.targetPort).toBe(28099);
    const schema = name === 'gateway' ? gatewayConfigSchema : CONFIG_SCHEMAS[name as ServiceName];
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(Object.keys(env)));
    expect(chartValues<{ hostNetwork?: boolean }>(chart).hostNetwork).toBeUndefined(); // off by default
  });
});
