import { SERVICE_NAMES } from '@adboard/gateway';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from './support/paths.js';
import {
  appChart,
  chartValues,
  kafdropChart,
  named,
  readYaml,
  render,
  type IDeployment,
} from './support/render.js';
import { CONFIG_SCHEMAS } from './support/schemas.js';

/** The services with a database, and its name: app-billing → app_billing. */
const databases = SERVICE_NAMES.filter((service) => 'DATABASE_URL' in CONFIG_SCHEMAS[service].properties).map(
  (service) => service.replace('-', '_'),
);

interface SecretEnv {
  secretEnv: Record<string, { secret: string; key: string }>;
}

describe('.helm/postgresql/values.yaml (bitnami postgresql, release app-db)', () => {
  const values = readYaml<{
    auth: Record<string, unknown> & {
      existingSecret: string;
      username: string;
      secretKeys: Record<string, string>;
    };
    primary: { initdb: { scripts: Record<string, string> } };
  }>('.helm/postgresql/values.yaml');
  const scripts = Object.values(values.primary.initdb.scripts).join('\n');

  it('creates the five databases, one per service that has one, owned by the services role', () => {
    expect(databases).toEqual(['app_user', 'app_billing', 'app_bonus', 'app_adv', 'app_notify']);
    for (const database of databases) {
      expect(scripts).toMatch(
        new RegExp(`^CREATE DATABASE ${database} OWNER ${values.auth.username};$`, 'm'),
      );
    }
    expect(scripts.match(/CREATE DATABASE/g)).toHaveLength(databases.length);
  });

  it('takes its passwords from a Secret, none in the file', () => {
    expect(values.auth).toMatchObject({
      existingSecret: 'app-db-auth',
      secretKeys: { adminPasswordKey: 'postgres-password', userPasswordKey: 'password' },
    });
    expect(Object.keys(values.auth)).not.toEqual(expect.arrayContaining(['password']));
    expect(Object.keys(values.auth)).not.toEqual(expect.arrayContaining(['postgresPassword']));
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

  it('provisions the topics user.event and order.event', () => {
    expect(values.provisioning.enabled).toBe(true);
    expect(values.provisioning.topics.map((topic) => topic.name).sort()).toEqual([
      'order.event',
      'user.event',
    ]);
    for (const topic of values.provisioning.topics) {
      expect(topic.replicationFactor).toBeLessThanOrEqual(values.controller.replicaCount);
      expect(topic.partitions).toBeGreaterThanOrEqual(1);
    }
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

describe('deploy/create-secrets.sh', () => {
  const script = readFileSync(repoPath('deploy/create-secrets.sh'), 'utf8');
  /** `put_secret NAME KEY=VALUE...` lines: the Secrets the script writes and their keys. */
  const written = new Map<string, string[]>();
  for (const [, name, rest] of script.matchAll(/^put_secret (\S+) (.*)$/gm)) {
    written.set(
      name!,
      [...rest!.matchAll(/(?:^|\s)([A-Za-z_][\w-]*)=/g)].map((match) => match[1]!),
    );
  }

  it('is valid bash', () => {
    expect(() => execFileSync('bash', ['-n', repoPath('deploy/create-secrets.sh')])).not.toThrow();
  });

  it('writes every Secret key the service charts reference', () => {
    for (const service of SERVICE_NAMES) {
      for (const [variable, ref] of Object.entries(chartValues<SecretEnv>(appChart(service)).secretEnv)) {
        expect(written.get(ref.secret), `${service} ${variable}: secret ${ref.secret}`).toContain(ref.key);
      }
    }
  });

  it('writes the Secrets the bitnami charts read', () => {
    expect(written.get('app-db-auth')).toEqual(['postgres-password', 'password']);
    expect(written.get('app-redis-auth')).toEqual(['redis-password']);
  });

  it('points each DATABASE_URL at the service database, REDIS_URL at the redis master', () => {
    for (const database of databases) {
      expect(script).toContain(
        `DATABASE_URL="postgres://$DB_USER:$PG_PASSWORD@$DB_HOST/\${DB_NAME_PREFIX}${database}"`,
      );
    }
    expect(script).toMatch(/^DB_HOST=\$\{DB_HOST:-app-db-postgresql:5432\}/m);
    const { auth } = readYaml<{ auth: { username: string } }>('.helm/postgresql/values.yaml');
    expect(script).toMatch(new RegExp(`^DB_USER=\\$\\{DB_USER:-${auth.username}\\}`, 'm'));
    expect(script).toMatch(/^REDIS_HOST=\$\{REDIS_HOST:-app-redis-master:6379\}/m);
    expect(script).toContain('openssl genpkey -algorithm ed25519');
  });
});
