import { createGuards, guardFor } from './auth/guards.js';
import { serviceCredentialsFrom, type ServiceCredentials } from './auth/service-credentials.js';
import { TokenVerifier } from './auth/tokens.js';
import type { Database } from './db/database.js';
import type { ServiceName } from '@adboard/contracts';
import type { EventBus } from './events/types.js';
import { listOf } from './config.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import { requirePort, type Ports } from './main.js';
import { createMetricsRegistry, type Registry } from './metrics.js';
import { observePool } from './db/pool-metrics.js';
import { observeIdempotency } from './idempotency/keys.js';

/** The settings every service base reads (each service's schema has them). */
export interface ServiceBaseConfig {
  AUTH_JWKS_URL: string;
  CLOCK_TOLERANCE_SECONDS: number;
  TRUSTED_PROXIES: string;
  ALLOWED_ORIGINS: string;
  SERVICE_SIGNING_KEY?: string;
  SERVICE_CALLER_KEYS?: string;
}

export interface ServiceBase {
  db: Database;
  bus: EventBus;
  logger: Logger;
  metrics: Registry;
  http: HttpServer;
  credentials: ServiceCredentials;
}

/**
 * What a service with its own database, events and user routes starts from: its ports (a missing
 * one is a configuration error naming its variable), an HTTP server that is ready while the
 * database answers, whose routes' declared access is enforced by guards that check user tokens
 * against app-auth's JWKS and service credentials against the callers' keys (SERVICE_CALLER_KEYS). Its rate limits count in
 * the key-value port when there is one (Redis with REDIS_URL, so replicas share one count; process
 * memory in the embedded mode), else in this process.
 */
export async function createServiceBase(
  name: ServiceName,
  description: string,
  config: ServiceBaseConfig,
  ports: Ports,
): Promise<ServiceBase> {
  const db = requirePort(ports, 'db', 'DATABASE_URL');
  const bus = requirePort(ports, 'bus', 'KAFKA_BROKERS');
  const metrics = createMetricsRegistry(name);
  observePool(db, metrics);
  observeIdempotency(db, metrics);
  const credentials = serviceCredentialsFrom(name, config, metrics);
  const tokens = TokenVerifier.remote(config.AUTH_JWKS_URL, config.CLOCK_TOLERANCE_SECONDS);
  const guards = createGuards(tokens, credentials);
  const http = await createHttpServer({
    service: name,
    description,
    logger: ports.logger,
    metrics,
    readiness: [{ name: 'database', check: () => db.ping() }],
    trustedProxies: listOf(config.TRUSTED_PROXIES),
    allowedOrigins: listOf(config.ALLOWED_ORIGINS),
    serviceCredentials: credentials,
    guardFor: (access) => guardFor(guards, access),
    ...(ports.kv ? { rateLimitStore: ports.kv } : {}),
  });
  return { db, bus, logger: ports.logger, metrics, http, credentials };
}
