/**
 * Serves the built single-page app (web/, built by `npm run build` into dist/web) under
 * /console/. Pages are addressed by the URL fragment (#/domains/…), so no server-side fallback
 * route is needed. Without a build, /console/ says how to make one instead of a bare 404.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** src/console/ and dist/console/ are both two levels below the package root. */
export const WEB_BUILD_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

export async function registerConsoleStatic(app: FastifyInstance): Promise<void> {
  app.get('/console', (_request, reply) => reply.redirect('/console/'));
  if (!fs.existsSync(`${WEB_BUILD_DIR}/index.html`)) {
    app.get('/console/', (_request, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build` in the livehook checkout.'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: WEB_BUILD_DIR,
    prefix: '/console/',
    decorateReply: false,
    index: ['index.html'],
    list: false,
    dotfiles: 'deny',
    // Asset names carry a content hash; index.html must be fetched fresh to find new ones.
    setHeaders: (reply, filePath) => {
      reply.header('cache-control', filePath.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
}
