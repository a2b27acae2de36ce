import { TOPICS } from '@adboard/contracts';
import { describe, expect, it } from 'vitest';
import {
  appChart,
  chartValues,
  kafdropChart,
  named,
  readYaml,
  render,
  type IDeployment,
} from './support/render.js';

describe('.helm/postgresql/values.yaml (bitnami postgresql, release app-db)', () => {
  const values = readYaml<{
    auth: Record<string, unknown>;
    primary: { initdb: Record<string, unknown> };
  }>('.helm/postgresql/values.yaml');

  it("creates the services' roles and databases with the script deploy/create-secrets.sh puts in a Secret", () => {
    expect(values.primary.initdb).toEqual({ scriptsSecret: 'app-db-init' });
  });

  it('takes the superuser password from a Secret, and makes no role shared by the services', () => {
    expect(values.auth).toEqual({
      existingSecret: 'app-db-auth',
      secretKeys: { adminPasswordKey: 'postgres-password' },
    });
  });
});

describe('.helm/redis/values.yaml (bitnami redis, release app-redis)', () => {
  const values = readYaml<{ architecture: string; auth: Record<string, unknown> }>('.helm/redis/values.yaml');

  it('requires a password, from a Secret', () => {
    expect(values.architecture).toBe('standalone'); // Service app-redis-master
    expect(values.auth).toEqual({
      enabled: true,
      existingSecret: 'app-redis-auth',
      existingSecretPasswordKey: 'redis-password',
    });
  });
});

describe('.helm/kafka/values.yaml (bitnami kafka, release app-kafka)', () => {
  const values = readYaml<{
    listeners: Record<string, { protocol: string }>;
    provisioning: {
      enabled: boolean;
      topics: { name: string; partitions: number; replicationFactor: number }[];
    };
    controller: { replicaCount: number };
  }>('.helm/kafka/values.yaml');

  it("provisions the contracts' topics with their partitions (the brokers create none on first use)", () => {
    expect(values.provisioning.enabled).toBe(true);
    expect(
      values.provisioning.topics.map(({ name, partitions }) => ({ name, partitions })).sort(byName),
    ).toEqual(TOPICS.map(({ name, partitions }) => ({ name, partitions })).sort(byName));
    for (const topic of values.provisioning.topics)
      expect(topic.replicationFactor).toBeLessThanOrEqual(values.controller.replicaCount);
  });

  it('asks no more replicas of the internal topics than it has nodes', () => {
    const config = readYaml<{ overrideConfiguration: Record<string, number> }>(
      '.helm/kafka/values.yaml',
    ).overrideConfiguration;
    for (const key of ['offsets.topic.replication.factor', 'transaction.state.log.replication.factor']) {
      expect(config[key], key).toBeLessThanOrEqual(values.controller.replicaCount);
    }
  });

  it('listens in plain text for clients, as KAFKA_BROKERS carries no credentials', () => {
    expect(values.listeners.client!.protocol).toBe('PLAINTEXT');
  });
});

describe('the kafdrop chart', () => {
  const objects = render(kafdropChart);
  const deployment = named<IDeployment>(objects, 'Deployment', 'kafdrop');
  const container = deployment.spec!.template.spec!.containers[0]!;

  it('runs obsidiandynamics/kafdrop against the Kafka the services use', () => {
    expect(container.image).toMatch(/^obsidiandynamics\/kafdrop:\d+\.\d+\.\d+$/);
    const brokers = container.env?.find((entry) => entry.name === 'KAFKA_BROKERCONNECT')?.value;
    const services = chartValues<{ env: Record<string, string> }>(appChart('app-user')).env;
    expect(brokers).toBe(services.KAFKA_BROKERS);
    expect(named(objects, 'Service', 'kafdrop')).toBeDefined();
  });

  it('is probed and hardened like the services', () => {
    expect(container.readinessProbe?.httpGet?.path).toBe('/actuator/health');
    expect(container.resources?.limits).toBeDefined();
    expect(deployment.spec!.template.spec!.securityContext?.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });
});

function byName(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name);
}
