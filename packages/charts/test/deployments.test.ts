import { calleesOf, SERVICES } from '@adboard/contracts';
import { SERVICE_NAMES, type ServiceName } from '@adboard/gateway';
import { loadConfig } from '@adboard/kit';
import { describe, expect, it } from 'vitest';
import {
  appChart,
  chartValues,
  named,
  ofKind,
  render,
  type IConfigMap,
  type IDeployment,
  type IService,
} from './support/render.js';
import {
  ADAPTER_VARIABLES,
  CONFIG_SCHEMAS,
  requiredVariables,
  SECRET_VARIABLES,
  type ConfigSchema,
} from './support/schemas.js';

type Container = NonNullable<NonNullable<IDeployment['spec']>['template']['spec']>['containers'][number];

function deploymentOf(service: ServiceName) {
  const objects = render(appChart(service));
  const deployment = named<IDeployment>(objects, 'Deployment', service);
  const pod = deployment.spec!.template.spec!;
  const container = pod.containers.find((candidate) => candidate.name === service)!;
  return { objects, deployment, pod, container };
}

/** The environment a container gets: its ConfigMaps (envFrom) and its own env entries. */
function environmentOf(service: ServiceName, container: Container) {
  const objects = render(appChart(service));
  const plain: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    expect(source.secretRef, 'envFrom a whole Secret hides which variables it sets').toBeUndefined();
    const configMap = named<IConfigMap>(objects, 'ConfigMap', source.configMapRef!.name!);
    Object.assign(plain, configMap.data);
  }
  const secret: Record<string, { name: string; key: string }> = {};
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) plain[entry.name] = entry.value;
    const ref = entry.valueFrom?.secretKeyRef;
    if (ref) secret[entry.name] = { name: ref.name!, key: ref.key };
  }
  return { plain, secret, names: [...Object.keys(plain), ...Object.keys(secret)] };
}

/** Values that satisfy the schema's patterns, standing in for the Secrets' contents. */
const SECRET_PLACEHOLDERS: Record<string, string> = {
  DATABASE_URL: 'postgres://adboard:password@app-db-postgresql:5432/app',
  REDIS_URL: 'redis://:password@app-redis-master:6379',
  AUTH_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----',
  SERVICE_SIGNING_KEY: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----',
  SERVICE_CALLER_KEYS: `app-adv:${'k'.repeat(43)}`,
};

describe.each(SERVICE_NAMES)('%s Deployment', (service) => {
  const schema: ConfigSchema = CONFIG_SCHEMAS[service];
  const values = chartValues<{ preStopSleepSeconds: number }>(appChart(service));

  it('runs the image adboard/<service>:<appVersion>, pulled only if not loaded into minikube', () => {
    const { container } = deploymentOf(service);
    expect(container.image).toBe(`adboard/${service}:0.1.0`);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.command).toEqual(['node', `${service}/dist/src/main.js`]);
  });

  it('probes readiness on /ready and liveness on /health, on the port the Service targets', () => {
    const { objects, container } = deploymentOf(service);
    const http = container.ports?.find((port) => port.name === 'http');
    expect(http?.containerPort).toBe(8080);
    expect(container.readinessProbe?.httpGet).toMatchObject({ path: '/ready', port: 'http' });
    expect(container.livenessProbe?.httpGet).toMatchObject({ path: '/health', port: 'http' });
    expect(container.startupProbe?.httpGet).toMatchObject({ path: '/health', port: 'http' });

    const svc = named<IService>(objects, 'Service', service);
    expect(svc.spec?.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const podLabels = deploymentOf(service).deployment.spec!.template.metadata!.labels!;
    expect(podLabels).toMatchObject(svc.spec!.selector!);
  });

  it('has requests and limits for CPU and memory', () => {
    for (const container of [
      ...(deploymentOf(service).pod.initContainers ?? []),
      deploymentOf(service).container,
    ]) {
      expect(container.resources?.requests).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(container.resources?.limits).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
    }
  });

  it('runs as non-root on a read-only root filesystem, no privilege escalation, no capabilities', () => {
    const { pod, container } = deploymentOf(service);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const each of [...(pod.initContainers ?? []), container]) {
      expect(each.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it('stops gracefully: preStop sleep, then SIGTERM with time for SHUTDOWN_TIMEOUT_MS', () => {
    const { pod, container } = deploymentOf(service);
    const shutdownMs = schema.properties.SHUTDOWN_TIMEOUT_MS!.default as number;
    expect(shutdownMs).toBeGreaterThan(0);
    expect(container.lifecycle?.preStop?.exec?.command).toEqual([
      'sleep',
      String(values.preStopSleepSeconds),
    ]);
    expect(values.preStopSleepSeconds).toBeGreaterThanOrEqual(3);
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(
      values.preStopSleepSeconds * 1000 + shutdownMs,
    );
    expect(deploymentOf(service).deployment.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
  });

  it('sets only variables of its configuration schema, and every one the schema needs', () => {
    const { names } = environmentOf(service, deploymentOf(service).container);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names)
      expect(Object.keys(schema.properties), `${name} is not read by ${service}`).toContain(name);
    for (const name of requiredVariables(schema)) expect(names, `${service} needs ${name}`).toContain(name);
    for (const name of ADAPTER_VARIABLES) {
      if (name in schema.properties) expect(names, `${service} needs ${name} in the cluster`).toContain(name);
    }
  });

  it("gets a signing key only if it calls another service, its callers' keys only if it is called", () => {
    const { names } = environmentOf(service, deploymentOf(service).container);
    expect(names.includes('SERVICE_SIGNING_KEY')).toBe(calleesOf(service).length > 0);
    expect(names.includes('SERVICE_CALLER_KEYS')).toBe(SERVICES[service].callers.length > 0);
  });

  it("passes the service's own configuration loader", () => {
    const { plain, secret } = environmentOf(service, deploymentOf(service).container);
    const env: Record<string, string> = { ...plain };
    for (const name of Object.keys(secret)) env[name] = SECRET_PLACEHOLDERS[name] ?? 'placeholder';
    const config = loadConfig(CONFIG_SCHEMAS[service] as Parameters<typeof loadConfig>[0], env);
    expect(config).toMatchObject({ PORT: 8080, TRUSTED_PROXIES: '10.244.0.0/16' });
  });

  it('takes credentials from Secrets by reference, never from a ConfigMap or a literal', () => {
    const { objects, container } = deploymentOf(service);
    const { plain, secret } = environmentOf(service, container);
    for (const name of SECRET_VARIABLES) {
      if (!(name in schema.properties)) continue;
      expect(Object.keys(secret), `${name} of ${service}`).toContain(name);
      expect(Object.keys(plain)).not.toContain(name);
    }
    for (const configMap of ofKind<IConfigMap>(objects, 'ConfigMap')) {
      for (const [key, value] of Object.entries(configMap.data ?? {})) {
        expect(key).not.toMatch(/SECRET|PASSWORD|PRIVATE|TOKEN|DATABASE_URL|REDIS_URL/i);
        expect(value, `${configMap.metadata.name}.${key}`).not.toMatch(/:\/\/[^/\s]*:[^/\s]*@|PRIVATE KEY/);
      }
    }
  });

  it('points at the other services and Kafka by their in-cluster names', () => {
    const { plain } = environmentOf(service, deploymentOf(service).container);
    const urls: Record<string, string> = {
      AUTH_JWKS_URL: 'http://app-auth/.well-known/jwks.json',
      USER_SERVICE_URL: 'http://app-user',
      BILLING_SERVICE_URL: 'http://app-billing',
      BONUS_SERVICE_URL: 'http://app-bonus',
      KAFKA_BROKERS: 'app-kafka:9092',
      TRUSTED_PROXIES: '10.244.0.0/16',
    };
    for (const [name, expected] of Object.entries(urls)) {
      if (name in schema.properties) expect(plain[name], name).toBe(expected);
    }
  });

  it('applies its migrations in an init container before it serves, when it has a database', () => {
    const { pod, container } = deploymentOf(service);
    const migrate = pod.initContainers?.find((candidate) => candidate.name === 'migrate');
    if (!('DATABASE_URL' in schema.properties)) {
      expect(migrate).toBeUndefined();
      return;
    }
    expect(migrate).toBeDefined();
    expect(migrate!.command).toEqual(['node', `${service}/dist/src/main.js`, 'migrate']);
    expect(migrate!.image).toBe(container.image);
    expect(migrate!.envFrom).toEqual(container.envFrom);
    expect(migrate!.env).toEqual(container.env);
  });
});

describe('the six services together', () => {
  it('each read their credentials from their own Secret, shared with no other service', () => {
    const secretsOf = (service: ServiceName) =>
      new Set(
        Object.values(environmentOf(service, deploymentOf(service).container).secret).map((ref) => ref.name),
      );
    for (const service of SERVICE_NAMES) {
      expect([...secretsOf(service)]).toEqual([`${service}-secrets`]);
    }
  });

  it('each have their own database', () => {
    const databases = SERVICE_NAMES.filter((service) => 'DATABASE_URL' in CONFIG_SCHEMAS[service]).map(
      (service) => environmentOf(service, deploymentOf(service).container).secret.DATABASE_URL,
    );
    expect(new Set(databases.map((ref) => ref!.name)).size).toBe(databases.length);
  });
});
