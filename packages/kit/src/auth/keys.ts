import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { calleesOf, SERVICES, type ServiceName } from '@adboard/contracts';

/**
 * Ed25519 keys as the settings carry them: a private key as PKCS#8 PEM (`-----BEGIN PRIVATE
 * KEY-----`, what `openssl genpkey -algorithm ed25519` writes), a public key as the base64url of its
 * 32 bytes (the `x` of its JWK) — short enough for a list in one variable.
 */

/** A fresh Ed25519 private key as PKCS#8 PEM. */
export function generateSigningKey(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function privateKeyOf(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 private key');
  return key;
}

/** The public half of a PKCS#8 PEM private key, as base64url (`openssl pkey -pubout -outform DER | tail -c 32`). */
export function publicKeyOf(privateKeyPem: string): string {
  return createPublicKey(privateKeyOf(privateKeyPem)).export({ format: 'jwk' }).x!;
}

/** A public key as the settings carry it: the base64url of its 32 bytes (a regular expression's source). */
export const PUBLIC_KEY_PATTERN = '[A-Za-z0-9_-]{43}';

export function isPublicKey(text: string): boolean {
  return new RegExp(`^${PUBLIC_KEY_PATTERN}$`).test(text);
}

export function publicKeyObject(publicKey: string): KeyObject {
  if (!isPublicKey(publicKey)) throw new Error(`not a base64url Ed25519 public key: ${publicKey}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
}

/** The key's RFC 7638 thumbprint: the `kid` a token signed with it names. */
export function keyIdOf(publicKey: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x: publicKey }))
    .digest('base64url');
}

/**
 * The credential settings `name` is given, from each service's private key: its own signing key
 * when it calls another service, its callers' public keys when another calls it — nothing else, so
 * a service that calls nothing can sign nothing.
 */
export function serviceKeySettings(
  name: ServiceName,
  signingKeyOf: (service: ServiceName) => string,
): { SERVICE_SIGNING_KEY?: string; SERVICE_CALLER_KEYS?: string } {
  const callers: readonly ServiceName[] = SERVICES[name].callers;
  return {
    ...(calleesOf(name).length > 0 ? { SERVICE_SIGNING_KEY: signingKeyOf(name) } : {}),
    ...(callers.length > 0
      ? {
          SERVICE_CALLER_KEYS: callers
            .map((caller) => `${caller}:${publicKeyOf(signingKeyOf(caller))}`)
            .join(','),
        }
      : {}),
  };
}
