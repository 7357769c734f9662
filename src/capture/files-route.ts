/** GET /files/… serves screenshots and recordings from the data dir (what callbacks link to). */
import fs from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export async function registerFilesRoute(app: FastifyInstance, filesDir: string): Promise<void> {
  fs.mkdirSync(filesDir, { recursive: true });
  await app.register(fastifyStatic, {
    root: filesDir,
    prefix: '/files/',
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
  });
}
