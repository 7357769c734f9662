/**
 * The second ceiling of bench/hooks.ts: the least any process can do that turns a hook into a
 * callback. It answers each hook request at once and POSTs one small signed JSON body per hook to
 * the receiver over a keep-alive pool (undici, as livehook's client), with no admission, no
 * store, no ordering and no retries. Same machine, same load, same receiver as livehook, so
 * livehook's figure divided by this one is the share of the hop's cost that livehook's own work
 * (durability, sessions, ordering) leaves.
 *
 * A child of the bench (fork): it answers `{ type: 'listening', url }` over IPC and exits on 'stop'.
 */
import { hash } from 'node:crypto';
import { createServer } from 'node:http';
import { Pool } from 'undici';

const receiverUrl = process.argv[2]!;
const pool = new Pool(receiverUrl, { connections: 64, keepAliveTimeout: 30_000 });
let sent = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0}');
    const t = Math.floor(Date.now() / 1000) + 600;
    const body = JSON.stringify({ forwarded: sent++, bytes: Buffer.concat(chunks).length, t, sign: hash('md5', `key${t}`, 'hex') });
    pool
      .request({ path: '/forwarded', method: 'POST', body, headers: { 'content-type': 'application/json' } })
      .then((response) => response.body.dump())
      .catch((error: unknown) => console.error('forwarder: callback failed', error));
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.send!({ type: 'listening', url: `http://127.0.0.1:${port}` });
});
process.on('message', (message) => {
  if (message !== 'stop') return;
  server.closeAllConnections();
  server.close();
  void pool.close().then(() => process.exit(0));
});
