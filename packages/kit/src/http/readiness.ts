import type { Logger } from '../logger.js';
import { RepeatedFailure } from '../repeated-failure.js';
import type { FastifyInstance } from 'fastify';

/** A named dependency probe for `/ready`. */
export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers (a string it resolves with is shown as its state). */
  check: () => Promise<unknown>;
  /** Shown in `/ready`'s detail but never makes the service unready (a consumer still joining). */
  informational?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What `/ready` asks; a service adds its workers' states before it listens. */
    readinessChecks: ReadinessCheck[];
  }
}

const TIMEOUT_MS = 2000;

async function probe({ check }: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS))),
    ]);
    return typeof outcome === 'string' ? outcome : 'up';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /ready`: 200 with each dependency's state when every required one answers within 2 s, else
 * 503 naming the ones that did not. Informational checks (consumers joining their groups) show up
 * in the detail only: the service serves HTTP while they catch up.
 */
export function readinessRoute(app: FastifyInstance, checks: ReadinessCheck[]): void {
  app.decorate('readinessChecks', checks);
  const failing = new Map<string, RepeatedFailure>();
  const logger = app.log as Logger; // the server's logger is the service's (createHttpServer)
  const failureOf = (name: string) => {
    if (!failing.has(name)) failing.set(name, new RepeatedFailure(logger, `readiness check of ${name}`));
    return failing.get(name)!;
  };
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const detail: Record<string, string> = {};
    const failures: string[] = [];
    await Promise.all(
      app.readinessChecks.map(async (readiness) => {
        try {
          detail[readiness.name] = await probe(readiness);
          failing.get(readiness.name)?.succeeded();
        } catch (error) {
          detail[readiness.name] = 'down';
          if (readiness.informational) return;
          failureOf(readiness.name).failed(error);
          failures.push(readiness.name);
        }
      }),
    );
    if (failures.length === 0) return { success: true, data: detail };
    return reply
      .code(503)
      .send({ success: false, errors: failures.map((name) => ({ text: `${name} is unavailable` })) });
  });
}
