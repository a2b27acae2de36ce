import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calleesOf, SERVICE_NAMES, type ServiceName } from '@adboard/contracts';
import { generateSigningKey, serviceKeySettings } from '@adboard/kit';

export interface StackSecrets {
  /** Signs user tokens (app-auth). */
  authPrivateKey: string;
  /** The own key of each service that calls another, for those calls. */
  serviceKeys: Partial<Record<ServiceName, string>>;
}

/**
 * Generated on the first start and kept under the data folder, so sessions and tokens survive
 * restarts. A folder from a release that shared one `serviceSecret` gets its service keys added.
 */
export async function loadOrCreateSecrets(dataDir: string): Promise<StackSecrets> {
  const file = join(dataDir, 'secrets.json');
  const stored: Partial<StackSecrets> = existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : {};
  if (stored.authPrivateKey && stored.serviceKeys) return stored as StackSecrets;
  const secrets: StackSecrets = {
    authPrivateKey: stored.authPrivateKey ?? generateSigningKey(),
    serviceKeys: Object.fromEntries(
      SERVICE_NAMES.filter((name) => calleesOf(name).length > 0).map((name) => [name, generateSigningKey()]),
    ),
  };
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** The credential settings of `name`: app-auth's token key, and its service keys (see `serviceKeySettings`). */
export function credentialSettings(name: ServiceName, secrets: StackSecrets): Record<string, string> {
  return {
    ...(name === 'app-auth' ? { AUTH_PRIVATE_KEY: secrets.authPrivateKey } : {}),
    ...serviceKeySettings(name, (service) => {
      const key = secrets.serviceKeys[service];
      if (!key) throw new Error(`${service} has no key in secrets.json: delete the file for new ones`);
      return key;
    }),
  };
}
