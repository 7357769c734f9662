/**
 * A private PostgreSQL cluster in a temp dir on a free port, for tests that must restart the
 * server (the machine's shared server is used by other test files at the same time). Needs the
 * server binaries (Debian: /usr/lib/postgresql/<version>/bin); initdb refuses to run as root, so
 * as root the cluster runs as the `postgres` OS user (runuser), which owns the temp dir.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN_ROOT = '/usr/lib/postgresql';

function serverBinaries(): string {
  const versions = fs.existsSync(BIN_ROOT)
    ? fs.readdirSync(BIN_ROOT).filter((v) => fs.existsSync(path.join(BIN_ROOT, v, 'bin', 'initdb')) && fs.existsSync(path.join(BIN_ROOT, v, 'bin', 'pg_ctl')))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error(`this test needs the PostgreSQL server binaries initdb and pg_ctl under ${BIN_ROOT}/<version>/bin (Debian package postgresql)`);
  }
  return path.join(BIN_ROOT, newest, 'bin');
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const bin = serverBinaries();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-pg-'));
    const cluster = new PrivatePostgres(bin, dir, await freePort());
    if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', dir]);
    await cluster.#pg('initdb', ['-D', cluster.#data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    await cluster.#ctl('start');
    return cluster;
  }

  get #data(): string {
    return path.join(this.dir, 'data');
  }

  /** A database URL on this cluster. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Fast restart: every connection is cut, as in a failover or an upgrade. */
  async restart(): Promise<void> {
    await this.#ctl('restart', ['-m', 'fast']);
  }

  async stop(): Promise<void> {
    await this.#ctl('stop', ['-m', 'immediate']).catch(() => {}); // already stopped is fine
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  #ctl(action: string, extra: string[] = []): Promise<unknown> {
    // fsync off spares the shared disk: a fast restart still writes everything out first.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    return this.#pg('pg_ctl', [action, '-D', this.#data, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '60', '-o', options, ...extra]);
  }

  async #pg(tool: string, args: string[]): Promise<void> {
    const binary = path.join(this.bin, tool);
    const [command, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
    try {
      await run(command, argv, { cwd: this.dir });
    } catch (rawError) {
      const log = path.join(this.dir, 'server.log');
      const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(`${tool} ${args[0]} failed: ${rawError instanceof Error ? rawError.message : String(rawError)}\n${tail}`, { cause: rawError });
    }
  }
}
