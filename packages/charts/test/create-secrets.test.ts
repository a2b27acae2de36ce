import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calleesOf, SERVICE_NAMES, SERVICES, type ServiceName } from '@adboard/contracts';
import { Database, publicKeyOf } from '@adboard/kit';
import { testServerUrl } from '@adboard/kit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { repoPath } from './support/paths.js';
import { appChart, chartValues } from './support/render.js';

/** deploy/create-secrets.sh run against a stand-in kubectl; the Secrets it wrote, decoded. */
function runCreateSecrets(store: string, env: Record<string, string> = {}, rotate = false) {
  const bin = join(store, 'bin');
  if (!readdirSync(store).includes('bin')) {
    execFileSync('mkdir', ['-p', bin]);
    symlinkSync(repoPath('packages/charts/test/support/fake-kubectl.mjs'), join(bin, 'kubectl'));
  }
  execFileSync('bash', [repoPath('deploy/create-secrets.sh'), ...(rotate ? ['--rotate'] : [])], {
    env: {
      ...process.env,
      ...env,
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_KUBECTL_STORE: join(store, 'api'),
    },
    stdio: 'pipe',
  });
  const secrets: Record<string, Record<string, string>> = {};
  for (const file of readdirSync(join(store, 'api')).filter((name) => name.startsWith('secret-'))) {
    const { metadata, data } = JSON.parse(readFileSync(join(store, 'api', file), 'utf8'));
    secrets[metadata.name] = Object.fromEntries(
      Object.entries(data as Record<string, string>).map(([key, value]) => [
        key,
        Buffer.from(value, 'base64').toString(),
      ]),
    );
  }
  return secrets;
}

const store = mkdtempSync(join(tmpdir(), 'adboard-secrets-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));
const secrets = runCreateSecrets(store);
const secretOf = (service: ServiceName) => secrets[`${service}-secrets`]!;
const withDatabase = SERVICE_NAMES.filter((service) => SERVICES[service].database);

interface SecretEnv {
  secretEnv: Record<string, { secret: string; key: string }>;
}

describe('deploy/create-secrets.sh', () => {
  it('writes every Secret key the service charts reference', () => {
    for (const service of SERVICE_NAMES) {
      for (const [variable, ref] of Object.entries(chartValues<SecretEnv>(appChart(service)).secretEnv)) {
        expect(Object.keys(secrets[ref.secret] ?? {}), `${service} ${variable}`).toContain(ref.key);
      }
    }
  });

  it('writes the Secrets the bitnami charts read', () => {
    expect(Object.keys(secrets['app-db-auth']!)).toEqual(['postgres-password']);
    expect(Object.keys(secrets['app-redis-auth']!)).toEqual(['redis-password']);
    expect(Object.keys(secrets['app-db-init']!)).toEqual(['00-adboard-roles-and-databases.sql']);
  });

  it('gives each service with a database a role and password of its own, and REDIS_URL to app-auth', () => {
    const urls = withDatabase.map((service) => new URL(secretOf(service).DATABASE_URL!));
    for (const [index, service] of withDatabase.entries()) {
      const role = service.replace('-', '_');
      expect(urls[index]!.username).toBe(role);
      expect(urls[index]!.pathname).toBe(`/${role}`);
      expect(urls[index]!.host).toBe('app-db-postgresql:5432');
    }
    expect(new Set(urls.map((url) => url.password)).size).toBe(withDatabase.length);
    expect(secretOf('app-auth').REDIS_URL).toBe(
      `redis://:${secrets['app-redis-auth']!['redis-password']}@app-redis-master:6379`,
    );
  });

  it("gives a signing key only to a service that calls another, and each callee exactly its callers' keys", () => {
    for (const service of SERVICE_NAMES) {
      const own = secretOf(service);
      expect('SERVICE_SIGNING_KEY' in own, service).toBe(calleesOf(service).length > 0);
      const expected = SERVICES[service].callers.map(
        (caller) => `${caller}:${publicKeyOf(secretOf(caller).SERVICE_SIGNING_KEY!)}`,
      );
      expect(own.SERVICE_CALLER_KEYS?.split(','), service).toEqual(expected.length ? expected : undefined);
    }
    const keys = SERVICE_NAMES.flatMap((service) => secretOf(service).SERVICE_SIGNING_KEY ?? []);
    expect(new Set([...keys, secretOf('app-auth').AUTH_PRIVATE_KEY]).size).toBe(keys.length + 1);
  });

  it('keeps every value on a second run, and replaces them all with --rotate', () => {
    const again = mkdtempSync(join(tmpdir(), 'adboard-secrets-'));
    try {
      const first = runCreateSecrets(again);
      expect(runCreateSecrets(again)).toEqual(first);
      const rotated = runCreateSecrets(again, {}, true);
      for (const [name, data] of Object.entries(first))
        for (const [key, value] of Object.entries(data))
          expect(rotated[name]![key], `${name} ${key}`).not.toBe(value);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });
});

describe("app-db-init on a real PostgreSQL: each service's role reaches its own database only", () => {
  const prefix = `secrets_${process.pid}_`;
  const prefixed = runCreateSecrets(mkdtempSync(join(tmpdir(), 'adboard-secrets-')), {
    DB_NAME_PREFIX: prefix,
  });
  const server = testServerUrl();
  const admin = new Database({ url: server });
  const asRole = (role: string, database: string) => {
    const url = new URL(server);
    url.username = role;
    url.password = '';
    url.pathname = `/${database}`;
    return new Database({ url: url.toString(), maxConnections: 1 });
  };
  const roles = withDatabase.map((service) => `${prefix}${service.replace('-', '_')}`);

  afterAll(async () => {
    for (const role of roles) await admin.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
    for (const role of roles) await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.close();
  });

  it('creates the roles and databases, and refuses a role on another service’s database', async () => {
    const script = prefixed['app-db-init']!['00-adboard-roles-and-databases.sql']!;
    for (const statement of script.split(';\n').filter((line) => line.trim() !== ''))
      await admin.query(statement);
    const [user, billing] = roles as [string, string];
    const own = asRole(user, user);
    try {
      await own.query('CREATE TABLE migrations_can_run (id int)');
      expect((await own.query('SELECT current_user AS role')).rows[0]).toEqual({ role: user });
    } finally {
      await own.close();
    }
    const other = asRole(user, billing);
    try {
      await expect(other.query('SELECT 1')).rejects.toThrow(/permission denied for database/);
    } finally {
      await other.close();
    }
  });
});
