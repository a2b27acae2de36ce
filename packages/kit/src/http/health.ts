import fp from 'fastify-plugin';
import { readinessRoute, type ReadinessCheck } from './readiness.js';

/** `/health` (the process answers) and `/ready` (its dependencies answer). */
export const health = fp<{ readiness: ReadinessCheck[] }>(
  async (app, options) => {
    app.get('/health', { schema: { hide: true } }, async () => ({ success: true }));
    readinessRoute(app, [...options.readiness]);
  },
  { name: 'health', fastify: '5.x' },
);
