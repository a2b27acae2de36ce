/**
 * What the HTTP layer and the auth layer share about a request: who sent it (set by the guards,
 * read by rate limits and handlers) and how a service credential is checked. Both import this
 * module, so the HTTP layer never imports auth. The header names are in `@adboard/contracts`.
 */

/** What a user token says about its bearer. */
export interface UserClaims {
  id: number;
  username: string;
  email: string;
}

/** Issues and checks service credentials; `ServiceCredentials` is the implementation. */
export interface CallerCredentials {
  /** A token for calling `audience`. */
  tokenFor(audience: string): Promise<string>;
  /** The calling service's name; rejects a token that does not prove one. */
  verify(token: string | undefined): Promise<string>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The user a user token proved (the `user` and `self` guards set it). */
    user: UserClaims | null;
    /** The service a service credential proved (the `service` guard sets it). */
    caller: string | null;
  }
}
