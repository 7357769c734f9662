/**
 * Benchmark receiver, run as a child process (`fork` with `--import tsx`) so that it has a core of
 * its own and its work never counts against the process being measured. It serves N ports on
 * 127.0.0.1 (one per target host), answers every POST with 200 `{"code":0}` over keep-alive, and
 * records the arrival time (`performance.timeOrigin + performance.now()`, comparable across
 * processes) of each request by its `webhook-id`. A port can be black-holed: requests are read and
 * never answered, like a receiver that hangs.
 *
 * Controlled over IPC; see `ReceiverCommand` / `ReceiverReply` in bench/lib.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ReceiverCommand, ReceiverReply } from './lib.js';

const now = (): number => performance.timeOrigin + performance.now();
const send = (reply: ReceiverReply): void => void process.send!(reply);

const servers: http.Server[] = [];
const blackholed = new Set<number>();
/** Requests held open by black-holed ports, answered (or dropped) on reset. */
const held = new Set<http.ServerResponse>();
let counts: number[] = [];
let ids: string[] = [];
let times: number[] = [];
let targets: number[] = [];
let recording = true;
/** Pending `wait` commands: resolved when the count over `ports` reaches `total`. */
let waits: { token: number; total: number; ports: number[] | undefined }[] = [];
let cpuMark = process.cpuUsage();
let wallMark = performance.now();

function countOver(ports: number[] | undefined): number {
  if (!ports) return counts.reduce((a, b) => a + b, 0);
  let n = 0;
  for (const p of ports) n += counts[p] ?? 0;
  return n;
}

function checkWaits(): void {
  if (waits.length === 0) return;
  waits = waits.filter((w) => {
    if (countOver(w.ports) < w.total) return true;
    send({ type: 'reached', token: w.token, at: now() });
    return false;
  });
}

const BODY = '{"code":0}';

function serve(index: number) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    // Drain the body (a real receiver reads it); its bytes are not needed here.
    req.on('data', () => {});
    req.on('end', () => {
      const at = now();
      if (blackholed.has(index)) {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      counts[index] = (counts[index] ?? 0) + 1;
      if (recording) {
        const id = req.headers['webhook-id'];
        if (typeof id === 'string') {
          ids.push(id);
          times.push(at);
          targets.push(index);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length }).end(BODY);
      checkWaits();
    });
  };
}

process.on('message', async (command: ReceiverCommand) => {
  switch (command.type) {
    case 'listen': {
      for (let i = 0; i < command.ports; i++) {
        const server = http.createServer({ keepAliveTimeout: 60_000 }, serve(servers.length));
        server.headersTimeout = 0;
        server.requestTimeout = 0;
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        servers.push(server);
      }
      counts = servers.map(() => 0);
      send({ type: 'listening', ports: servers.map((s) => (s.address() as AddressInfo).port) });
      break;
    }
    case 'blackhole':
      if (command.on) blackholed.add(command.index);
      else blackholed.delete(command.index);
      send({ type: 'ok' });
      break;
    case 'reset':
      counts = servers.map(() => 0);
      ids = [];
      times = [];
      targets = [];
      recording = command.record;
      for (const res of held) res.destroy();
      held.clear();
      cpuMark = process.cpuUsage();
      wallMark = performance.now();
      send({ type: 'ok' });
      break;
    case 'stats': {
      const cpu = process.cpuUsage(cpuMark);
      send({ type: 'stats', counts, held: held.size, cpuPercent: ((cpu.user + cpu.system) / 1000 / (performance.now() - wallMark)) * 100 });
      break;
    }
    case 'wait':
      waits.push({ token: command.token, total: command.total, ports: command.ports });
      checkWaits();
      break;
    case 'arrivals':
      send({ type: 'arrivals', ids, times, targets });
      break;
    case 'close':
      for (const res of held) res.destroy();
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'started' });
