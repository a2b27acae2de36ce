# Ed25519 keys as the services' settings carry them (packages/kit/src/auth/keys.ts): a private key
# as PKCS#8 PEM, a public key as the base64url of its 32 bytes.

# new_signing_key: a fresh private key (AUTH_PRIVATE_KEY, SERVICE_SIGNING_KEY).
new_signing_key() { openssl genpkey -algorithm ed25519; }

# public_key_of PEM: its public half (SERVICE_CALLER_KEYS, AUTH_PUBLISHED_KEYS).
public_key_of() { openssl pkey -pubout -outform DER <<<"$1" | tail -c 32 | base64 | tr '+/' '-_' | tr -d '=\n'; }
