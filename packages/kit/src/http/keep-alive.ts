import { Agent } from 'undici';

/**
 * The connection pool for calls between services (and the entry point's forward auth): undici's
 * `request` over kept-alive connections, a fraction of `fetch`'s cost per call.
 */
export const keepAlive = new Agent({ keepAliveTimeout: 10_000, connections: 128 });
