import { calleesOf, SERVICE_NAMES, SERVICES } from '@adboard/contracts';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from './support/paths.js';
import { CONFIG_SCHEMAS, requiredVariables } from './support/schemas.js';

// As compose reads it: YAML 1.1 with merge keys (`<<: *common-env`).
const compose = parse(readFileSync(repoPath('compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, { environment: Record<string, string> }>;
};

describe.each(SERVICE_NAMES)('compose.yaml: %s', (service) => {
  const environment = compose.services[service]!.environment;
  const schema = CONFIG_SCHEMAS[service];

  it('sets only variables of its configuration schema, and every one the schema needs', () => {
    for (const name of Object.keys(environment))
      expect(Object.keys(schema.properties), `${name} is not read by ${service}`).toContain(name);
    for (const name of requiredVariables(schema)) expect(Object.keys(environment)).toContain(name);
  });

  it("gets a signing key only if it calls another service, its callers' keys only if it is called", () => {
    expect('SERVICE_SIGNING_KEY' in environment).toBe(calleesOf(service).length > 0);
    const callers = environment.SERVICE_CALLER_KEYS?.split(',').map((entry) => entry.split(':')[0]);
    expect(callers ?? []).toEqual(SERVICES[service].callers);
  });
});
