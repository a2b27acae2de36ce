import { advConfigSchema } from '@adboard/app-adv/config';
import { authConfigSchema } from '@adboard/app-auth/config';
import { billingConfigSchema } from '@adboard/app-billing/config';
import { bonusConfigSchema } from '@adboard/app-bonus/config';
import { notifyConfigSchema } from '@adboard/app-notify/config';
import { userConfigSchema } from '@adboard/app-user/config';
import type { ServiceName } from '@adboard/gateway';

/** What the tests read of a TypeBox object schema. */
export interface ConfigSchema {
  properties: Record<string, { default?: unknown }>;
  required?: string[];
}

export const CONFIG_SCHEMAS: Record<ServiceName, ConfigSchema> = {
  'app-user': userConfigSchema,
  'app-auth': authConfigSchema,
  'app-billing': billingConfigSchema,
  'app-bonus': bonusConfigSchema,
  'app-adv': advConfigSchema,
  'app-notify': notifyConfigSchema,
};

/** The variables a service cannot start without: required by the schema and without a default. */
export function requiredVariables(schema: ConfigSchema): string[] {
  return (schema.required ?? []).filter((name) => !('default' in schema.properties[name]!));
}

/**
 * The adapters' variables. The schemas mark them optional (the embedded launcher hands in-process
 * adapters instead), but in the cluster every adapter is the real one: a service whose schema
 * declares one must have it set.
 */
export const ADAPTER_VARIABLES = ['DATABASE_URL', 'KAFKA_BROKERS', 'REDIS_URL'];

/** Credentials: only ever from a Secret (secretKeyRef), never a ConfigMap or a literal value. */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'REDIS_URL',
  'AUTH_PRIVATE_KEY',
  'SERVICE_SIGNING_KEY',
  'SERVICE_CALLER_KEYS',
];
