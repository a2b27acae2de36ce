import { SERVICE_NAMES, type ServiceName } from '@adboard/gateway';
import { describe, expect, it } from 'vitest';
import {
  appChart,
  chartValues,
  gatewayChart,
  named,
  ofKind,
  render,
  renderWith,
  type IDeployment,
  type INetworkPolicy,
} from './support/render.js';

type Peer = NonNullable<NonNullable<NonNullable<INetworkPolicy['spec']>['ingress']>[number]['from']>[number];

const podLabelsOf = (objects: ReturnType<typeof render>, name: string) =>
  named<IDeployment>(objects, 'Deployment', name).spec!.template.metadata!.labels!;

/** The services whose chart settings point at `service` (`http://<service>...`): the ones that call it. */
function callersOf(service: ServiceName): ServiceName[] {
  return SERVICE_NAMES.filter((other) =>
    Object.values(chartValues<{ env: Record<string, string> }>(appChart(other)).env).some(
      (value) => other !== service && /^https?:\/\//.test(value) && new URL(value).hostname === service,
    ),
  );
}

describe.each(SERVICE_NAMES)('%s NetworkPolicy', (service) => {
  const objects = render(appChart(service));
  const policy = named<INetworkPolicy>(objects, 'NetworkPolicy', service);
  const rules = policy.spec!.ingress!;
  const peers: Peer[] = rules[0]!.from!;

  it("selects the Deployment's pods and admits connections to the service port only", () => {
    expect(policy.spec!.podSelector.matchLabels).toEqual(
      named<IDeployment>(objects, 'Deployment', service).spec!.selector.matchLabels,
    );
    expect(policy.spec!.policyTypes).toEqual(['Ingress']);
    expect(rules).toHaveLength(1);
    expect(rules[0]!.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
    const container = named<IDeployment>(objects, 'Deployment', service).spec!.template.spec!.containers[0]!;
    expect(container.ports?.map((port) => port.name)).toContain('http');
  });

  it("admits the entry points: ingress-nginx's controller in its namespace, the gateway chart's pods", () => {
    expect(peers).toContainEqual({
      podSelector: {
        matchLabels: {
          'app.kubernetes.io/name': 'ingress-nginx',
          'app.kubernetes.io/component': 'controller',
        },
      },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
    });
    const gateway = peers.find(
      (peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'gateway',
    );
    expect(gateway?.namespaceSelector).toBeUndefined(); // the gateway chart installs in the same namespace
    expect(podLabelsOf(render(gatewayChart), 'gateway')).toMatchObject(gateway!.podSelector!.matchLabels!);
  });

  it('admits exactly the services configured to call it, each by the labels of its pods', () => {
    const services = peers
      .filter((peer) => !peer.namespaceSelector)
      .map((peer) => peer.podSelector!.matchLabels!['app.kubernetes.io/name'])
      .filter((name) => name !== 'gateway');
    expect(services.sort()).toEqual(callersOf(service).sort());
    for (const caller of callersOf(service))
      expect(podLabelsOf(render(appChart(caller)), caller)['app.kubernetes.io/name']).toBe(caller);
  });

  it('admits the metrics scrapers’ namespace, and no peer that would match every pod', () => {
    expect(peers).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
    });
    for (const peer of peers) {
      for (const selector of [peer.podSelector, peer.namespaceSelector].filter(Boolean))
        expect(Object.keys(selector!.matchLabels ?? {}).length, JSON.stringify(peer)).toBeGreaterThan(0);
      expect(peer.ipBlock).toBeUndefined();
    }
  });

  it('is left out with networkPolicy.enabled=false', () => {
    const without = renderWith(appChart(service), ['--set', 'networkPolicy.enabled=false']);
    expect(ofKind(without, 'NetworkPolicy')).toEqual([]);
  });
});
