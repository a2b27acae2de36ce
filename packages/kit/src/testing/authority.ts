import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey } from '../auth/keys.js';
import { TokenIssuer } from '../auth/tokens.js';
import type { UserClaims } from '../request-context.js';

export interface TestAuthority {
  jwksUrl: string;
  issuer: TokenIssuer;
  tokenFor(claims: Partial<UserClaims> & { id: number }): Promise<string>;
  close(): Promise<void>;
}

/** A stand-in for app-auth's signing side: a real key and a real JWKS endpoint over HTTP. */
export async function startTestAuthority(ttlSeconds = 300): Promise<TestAuthority> {
  const issuer = await TokenIssuer.fromPem(generateSigningKey(), ttlSeconds);
  const server: Server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(issuer.jwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    issuer,
    tokenFor: (claims) =>
      issuer.sign({ username: `user${claims.id}`, email: `user${claims.id}@example.com`, ...claims }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
