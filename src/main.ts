/**
 * Composition root: builds the parts and wires them together, nothing else.
 * store → config cache → API; ops routes; (ingest, events and delivery join here as they land).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { bootstrap, type BootstrapResult } from './accounts/bootstrap.js';
import { registerApiRoute } from './api/route.js';
import { ConfigCache } from './bindings/config-cache.js';
import type { Config } from './config.js';
import { Health } from './ops/health.js';
import { createLogger } from './ops/log.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { registerOpsRoutes } from './ops/routes.js';
import { openStore, type Store } from './store/database.js';

export interface Livehook {
  readonly config: Config;
  readonly store: Store;
  readonly cache: ConfigCache;
  readonly http: FastifyInstance;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Base URL the HTTP server listens on, e.g. http://127.0.0.1:8080. */
  readonly httpUrl: string;
  readonly bootstrap: BootstrapResult;
  /** Stop taking work, finish what is in flight (bounded), release everything. */
  close(): Promise<void>;
}

export async function startLivehook(
  config: Config,
  options: { env?: NodeJS.ProcessEnv; log?: Logger } = {},
): Promise<Livehook> {
  const log = options.log ?? createLogger(config.logLevel);
  const store = await openStore(config.databaseUrl);
  const boot = await bootstrap(store.db, options.env ?? process.env, config.hookToken);
  const cache = new ConfigCache(store.db);
  await cache.invalidate();

  const metrics = createMetrics();
  const health = new Health();
  // Request lines are written by the API route itself (one line per action, with its result code).
  const http: FastifyInstance = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  await registerApiRoute(http, { db: store.db, config: cache, log, metrics });
  registerOpsRoutes(http, health, metrics);
  health.register('api', () => ({ ready: true }));
  health.register('store', () => ({ ready: true, backend: store.backend, ...cache.size }));

  const address = await http.listen({ host: config.host, port: config.httpPort });
  const { port } = http.server.address() as { port: number };
  const httpUrl = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${port}`;
  log.info({ address, migrations: store.migrations, dataDir: config.dataDir }, 'livehook started');

  let closing: Promise<void> | undefined;
  return {
    config,
    store,
    cache,
    http,
    metrics,
    log,
    httpUrl,
    bootstrap: boot,
    close: () =>
      (closing ??= (async () => {
        await http.close();
        await store.close();
      })()),
  };
}
