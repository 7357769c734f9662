/** Operational HTTP routes: GET /healthz and GET /metrics. */
import type { FastifyInstance } from 'fastify';
import type { Health } from './health.js';
import type { Metrics } from './metrics.js';

export function registerOpsRoutes(app: FastifyInstance, health: Health, metrics: Metrics): void {
  app.get('/healthz', async (_request, reply) => {
    const report = await health.report();
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ok' : 'unavailable', ...report.parts });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
