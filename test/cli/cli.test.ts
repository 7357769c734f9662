/**
 * The real `livehook` CLI as a child process: accounts and keys against a data dir (checked through
 * the SDK against a livehook on the same store), one-line failures with the right exit codes, and
 * `serve` itself: first-start banner, JSON logs without secrets, SIGTERM → exit 0; `serve`
 * on a machine without ffmpeg; and an RTMP port already taken, or a store that cannot be opened
 * (corrupt, unreadable, read-only, full, PostgreSQL not answering or refusing us): one line naming
 * it and the cause, exit 1; and --no-delivery refused on SQLite the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { insertAccount } from '../../src/store/accounts.js';
import { insertApiKey } from '../../src/store/api-keys.js';
import { TEST_SECRET_ID, TEST_SECRET_KEY, errorCode, sdkClient, startTestLivehook, tempDir, type TestLivehook } from '../helpers/livehook.js';
import { ADMIN_URL } from '../helpers/postgres.js';
import { mountTmpfs, type SmallFilesystem } from '../helpers/tmpfs.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

/** The environment without anything that would configure livehook or the test runner. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('LIVEHOOK_') && !name.startsWith('NODE_TEST') && name !== 'NODE_OPTIONS') env[name] = value;
  }
  return { ...env, ...extra };
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];
const livehooks: TestLivehook[] = [];
const mounts: SmallFilesystem[] = [];
const servers: net.Server[] = [];

function newDir(): string {
  const dir = tempDir('livehook-cli-');
  dirs.push(dir);
  return dir;
}

/**
 * `asUnprivileged`: without root's power to read and write any file (util-linux's setpriv drops
 * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH), so file permissions apply to it; it stays root, so it
 * can still read the checkout wherever that is.
 */
function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  asUnprivileged = false,
): ChildProcess & { out: () => string; err: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const command = [process.execPath, ...CLI, ...args];
  const [file, ...argv] = asUnprivileged ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', ...command] : command;
  const child = spawn(file!, argv, { cwd: REPO_ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return Object.assign(child, { out: () => stdout, err: () => stderr, exited });
}

async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  asUnprivileged = false,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = startCli(args, env, asUnprivileged);
  const { code } = await child.exited;
  return { code, stdout: child.out(), stderr: child.err() };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The HTTP address a `serve` child listens on, from its "livehook started" log line: serve binds
 * port 0, so no other process can take the port between choosing it and listening on it.
 */
async function servedUrl(child: ReturnType<typeof startCli>, exited: () => boolean): Promise<string> {
  let address = '';
  await waitFor('the "livehook started" log line', () => {
    if (exited()) throw new Error(`serve exited early: ${child.err()}`);
    const line = child.out().split('\n').find((l) => l.includes('"livehook started"'));
    address = line ? String((JSON.parse(line) as { address?: string }).address ?? '') : '';
    return address !== '';
  });
  return address;
}

// Generous: a cold `tsx` start of the CLI can take many seconds on a loaded 2-core machine.
async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const healthy = async (url: string): Promise<boolean> => {
  try {
    return (await fetch(`${url}/healthz`)).status === 200;
  } catch {
    return false;
  }
};

function assertOneLine(stderr: string, ...mentions: string[]): void {
  const lines = stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `expected one stderr line, got ${JSON.stringify(stderr)}`);
  assert.ok(stderr.endsWith('\n'));
  for (const m of mentions) assert.ok(lines[0]!.includes(m), `${JSON.stringify(lines[0])} should mention ${m}`);
  assert.ok(!/\n\s+at /.test(stderr), 'no stack trace');
}

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const lh of livehooks) await lh.close();
  for (const server of servers) server.close();
  for (const mount of mounts) mount.unmount();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('livehook CLI', { concurrency: true }, () => {
  test('accounts create, keys create/list/revoke work on the store a running livehook uses', async () => {
    const dataDir = newDir();
    const appId = '1300000001';

    const account = await runCli(['accounts', 'create', '--appid', appId, '--data-dir', dataDir]);
    assert.equal(account.code, 0, account.stderr);
    assert.match(account.stdout, /created account 1300000001/);

    const created = await runCli(['keys', 'create', '--appid', appId, '--data-dir', dataDir]);
    assert.equal(created.code, 0, created.stderr);
    const secretId = /^SecretId:\s+(\S+)$/m.exec(created.stdout)?.[1];
    const secretKey = /^SecretKey:\s+(\S+)$/m.exec(created.stdout)?.[1];
    assert.match(secretId ?? '', /^AKID[A-Za-z0-9]{32}$/, created.stdout);
    assert.match(secretKey ?? '', /^[A-Za-z0-9]{32}$/, created.stdout);

    // livehook on the same data dir: the CLI's key works through the official SDK.
    const lh = await startTestLivehook({ dataDir });
    livehooks.push(lh);
    assert.equal(lh.bootstrap.created, undefined, 'the store already has an account, so no bootstrap');
    const client = sdkClient(lh.httpUrl, secretId!, secretKey!);
    assert.deepEqual((await client.DescribeLiveCallbackTemplates()).Templates, []);

    // Another account's resources stay invisible to the new key.
    await insertAccount(lh.store.db, 1300000002, 'other');
    await insertApiKey(lh.store.db, { secretId: 'AKIDcliOtherAccount00000000000000000', secretKey: 'cliOtherAccountKey00000000000000', appId: 1300000002 });
    const other = sdkClient(lh.httpUrl, 'AKIDcliOtherAccount00000000000000000', 'cliOtherAccountKey00000000000000');
    const otherTemplate = (await other.CreateLiveCallbackTemplate({ TemplateName: 'other', StreamBeginNotifyUrl: 'http://other.example.com/cb' })).TemplateId!;
    await other.AddLiveDomain({ DomainName: 'other.cli.example.com', DomainType: 0 });

    const own = (await client.CreateLiveCallbackTemplate({ TemplateName: 'own', StreamBeginNotifyUrl: 'http://own.example.com/cb' })).TemplateId!;
    assert.deepEqual((await client.DescribeLiveCallbackTemplates()).Templates!.map((t) => t.TemplateId), [own]);
    assert.deepEqual((await client.DescribeLiveDomains({})).DomainList, []);
    assert.equal(await errorCode(client.DescribeLiveCallbackTemplate({ TemplateId: otherTemplate })), 'InvalidParameter.ConfNotFound');

    // keys list, while livehook runs: both keys are there, no SecretKey is.
    const listed = await runCli(['keys', 'list', '--data-dir', dataDir]);
    assert.equal(listed.code, 0, listed.stderr);
    const listedLines = listed.stdout.split('\n').filter(Boolean);
    const line = listedLines.find((l) => l.startsWith(secretId!));
    assert.ok(line, listed.stdout);
    assert.match(line, new RegExp(`^${secretId}\\t${appId}\\tactive\\t`));
    assert.ok(listedLines.some((l) => /^AKIDcliOtherAccount0+\t1300000002\tactive\t/.test(l)), listed.stdout);
    assert.ok(!listed.stdout.includes(secretKey!), 'keys list must not print SecretKeys');
    assert.ok(!listed.stdout.includes('cliOtherAccountKey'), 'keys list must not print SecretKeys');

    // keys revoke: the key stops working at once; the other account's key does not.
    const revoked = await runCli(['keys', 'revoke', secretId!, '--data-dir', dataDir]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`revoked ${secretId}`));
    assert.equal(await errorCode(client.DescribeLiveCallbackTemplates()), 'AuthFailure.SecretIdNotFound');
    assert.deepEqual((await other.DescribeLiveCallbackTemplates()).Templates!.map((t) => t.TemplateId), [otherTemplate]);
  });

  test('failures: one stderr line, non-zero exit (2 for a bad flag value)', async () => {
    const dataDir = newDir();
    const [missingAccount, badPort, badAppId] = await Promise.all([
      runCli(['keys', 'create', '--appid', '999', '--data-dir', dataDir]),
      runCli(['serve', '--http-port', 'abc', '--data-dir', dataDir, '--host', '127.0.0.1']),
      runCli(['serve', '--data-dir', newDir(), '--host', '127.0.0.1', '--http-port', '0', '--rtmp-port', '0'], { LIVEHOOK_APPID: '12ab' }),
    ]);

    assert.notEqual(missingAccount.code, 0);
    assert.notEqual(missingAccount.code, null);
    assertOneLine(missingAccount.stderr, '999');
    assert.equal(missingAccount.stdout, '', 'no SecretKey printed for a key that was not created');

    assert.equal(badPort.code, 2);
    assertOneLine(badPort.stderr, '--http-port', 'abc');
    assert.equal(badPort.stdout, '');

    assert.equal(badAppId.code, 2, 'a bad first-start setting is a bad value too');
    assertOneLine(badAppId.stderr, 'LIVEHOOK_APPID', '12ab');
  });

  test('--no-delivery (or LIVEHOOK_DELIVERY=false) on SQLite: one stderr line, exit 1, before the database file is made', async () => {
    const [flagDir, envDir] = [newDir(), newDir()];
    const serve = ['serve', '--host', '127.0.0.1', '--http-port', '0', '--rtmp-port', '0', '--data-dir'];
    const [byFlag, byEnv] = await Promise.all([
      runCli([...serve, flagDir, '--no-delivery']),
      runCli([...serve, envDir], { LIVEHOOK_DELIVERY: 'false' }),
    ]);
    for (const [result, dir] of [[byFlag, flagDir], [byEnv, envDir]] as const) {
      assert.equal(result.code, 1, result.stderr);
      assertOneLine(result.stderr, '--no-delivery (LIVEHOOK_DELIVERY=false) needs PostgreSQL', path.join(dir, 'livehook.db'));
      assert.equal(result.stdout, '');
      assert.equal(fs.existsSync(path.join(dir, 'livehook.db')), false, 'refused before the store is opened');
    }
  });

  test('serve: first-start banner once, JSON logs without secrets, SIGTERM → exit 0', async () => {
    const dataDir = newDir();

    const serve = async () => {
      const child = startCli(['serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--http-port', '0', '--rtmp-port', '0']);
      let exited = false;
      void child.exited.then(() => (exited = true));
      const url = await servedUrl(child, () => exited);
      await waitFor('/healthz 200', async () => {
        if (exited) throw new Error(`serve exited early: ${child.err()}`);
        return healthy(url);
      });
      return { child, url };
    };
    const stop = async (child: Awaited<ReturnType<typeof serve>>['child']) => {
      const started = Date.now();
      child.kill('SIGTERM');
      const result = await Promise.race([
        child.exited,
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref()),
      ]);
      assert.notEqual(result, 'timeout', 'serve did not exit within 5 s of SIGTERM');
      assert.deepEqual(result, { code: 0, signal: null });
      assert.ok(Date.now() - started < 5_000);
    };

    // ---- first start ----
    const first = await serve();
    await waitFor('the first-start banner', () => /^Console:.*$/m.test(first.child.out()), 5_000);
    const out1 = first.child.out();
    const secretId = /^SecretId:\s+(\S+)$/m.exec(out1)?.[1];
    const secretKey = /^SecretKey:\s+(\S+)$/m.exec(out1)?.[1];
    const password = /^Console:\s+admin \/ (\S+)$/m.exec(out1)?.[1];
    assert.match(secretId ?? '', /^AKID[A-Za-z0-9]{32}$/, out1);
    assert.match(secretKey ?? '', /^[A-Za-z0-9]{32}$/, out1);
    assert.ok(password && password.length >= 12, out1);

    // The printed key works; make a few calls so the log has request lines.
    const client = sdkClient(first.url, secretId!, secretKey!);
    await client.DescribeLiveCallbackTemplates();
    await client.CreateLiveCallbackTemplate({ TemplateName: 'cli', StreamBeginNotifyUrl: 'http://receiver.example.com/cb', CallbackKey: 'cliCallbackKey1' });
    await client.AddLiveDomain({ DomainName: 'push.serve.example.com', DomainType: 0 });
    assert.equal(await errorCode(sdkClient(first.url, secretId!, 'wrong' + secretKey!.slice(5)).DescribeLiveCallbackTemplates()), 'AuthFailure.SignatureFailure');
    await stop(first.child);

    const stdout1 = first.child.out();
    const count = (s: string, needle: string) => s.split(needle).length - 1;
    assert.equal(count(stdout1, 'first start'), 1, 'the banner is printed once');
    assert.equal(count(stdout1, secretKey!), 1, 'the SecretKey appears only in the banner');
    assert.equal(count(stdout1, password!), 1, 'the admin password appears only in the banner');

    const lines = stdout1.split('\n').filter((l) => l.trim().length > 0);
    const jsonLines = lines.filter((l) => l.startsWith('{'));
    const otherLines = lines.filter((l) => !l.startsWith('{'));
    assert.ok(jsonLines.length >= 4, `expected structured log lines, got:\n${stdout1}`);
    for (const l of jsonLines) {
      const entry = JSON.parse(l) as Record<string, unknown>;
      assert.equal(typeof entry.msg, 'string');
      assert.ok(!l.includes(secretKey!), `a log line carries the SecretKey: ${l}`);
      assert.ok(!l.includes(password!), `a log line carries the admin password: ${l}`);
      assert.ok(!l.includes('cliCallbackKey1'), `a log line carries the CallbackKey: ${l}`);
    }
    assert.ok(jsonLines.some((l) => l.includes('"CreateLiveCallbackTemplate"')), 'API requests are logged');
    // Everything that is not JSON is the banner.
    assert.ok(otherLines.some((l) => l.includes('first start')));
    assert.ok(otherLines.every((l) => /first start|^(AppId|SecretId|SecretKey|Console|Hook token)/.test(l)), otherLines.join('\n'));
    assert.ok(!first.child.err().includes(secretKey!));

    // ---- second start on the same data dir: no banner, the same key still works ----
    const second = await serve();
    const client2 = sdkClient(second.url, secretId!, secretKey!);
    assert.equal((await client2.DescribeLiveCallbackTemplates()).Templates!.length, 1);
    await stop(second.child);
    const stdout2 = second.child.out();
    assert.ok(!stdout2.includes('first start'), stdout2);
    assert.ok(!stdout2.includes(secretKey!));
    assert.ok(!stdout2.includes(password!));
    assert.ok(stdout2.split('\n').filter(Boolean).every((l) => l.startsWith('{')), 'only JSON log lines');
  });

  test('serve without ffmpeg: starts, warns once, /healthz says screenshots and recording are unavailable, templates are still stored', async () => {
    const child = startCli(['serve', '--data-dir', newDir(), '--host', '127.0.0.1', '--http-port', '0', '--rtmp-port', '0'], {
      LIVEHOOK_FFMPEG_PATH: '/nonexistent/ffmpeg',
      LIVEHOOK_SECRET_ID: TEST_SECRET_ID,
      LIVEHOOK_SECRET_KEY: TEST_SECRET_KEY,
    });
    let exited = false;
    void child.exited.then(() => (exited = true));
    const url = await servedUrl(child, () => exited);
    await waitFor('/healthz 200', () => healthy(url));
    const health = (await (await fetch(`${url}/healthz`)).json()) as { capture: { screenshots: string; recording: string } };
    assert.match(health.capture.screenshots, /^unavailable/);
    assert.match(health.capture.recording, /^unavailable/);
    const client = sdkClient(url, TEST_SECRET_ID, TEST_SECRET_KEY);
    const { TemplateId } = await client.CreateLiveSnapshotTemplate({ TemplateName: 'noffmpeg', CosAppId: 1250000000, CosBucket: 'b', CosRegion: 'ap-guangzhou', PornFlag: 1 });
    assert.ok(TemplateId! > 0);
    child.kill('SIGTERM');
    assert.deepEqual(await child.exited, { code: 0, signal: null });
    const warnings = child.out().split('\n').filter((l) => l.includes('ffmpeg not found'));
    assert.equal(warnings.length, 1, child.out());
    assert.equal((JSON.parse(warnings[0]!) as { level: number }).level, 40, 'logged as a warning');
  });

  test('serve with its RTMP port taken: one stderr line naming the port and the cause, exit 1', async () => {
    const taken = net.createServer();
    servers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    const { code, stderr } = await runCli(['serve', '--data-dir', newDir(), '--host', '127.0.0.1', '--http-port', '0', '--rtmp-port', String(port)]);
    assert.equal(code, 1, stderr);
    assertOneLine(stderr, `port ${port}`, '--rtmp-port', 'EADDRINUSE');
  });

  test('serve with its HTTP port taken: one stderr line naming the port and the cause, exit 1', async () => {
    const taken = net.createServer();
    servers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    const { code, stderr } = await runCli(['serve', '--data-dir', newDir(), '--host', '127.0.0.1', '--http-port', String(port), '--rtmp-port', '0']);
    assert.equal(code, 1, stderr);
    assertOneLine(stderr, `port ${port}`, '--http-port', 'EADDRINUSE');
  });
});

describe('start-up with a store that cannot be opened: one stderr line naming it and the cause, exit 1', { concurrency: true }, () => {
  const withLogin = (url: string, user: string, password: string): string => {
    const parsed = new URL(url);
    parsed.username = user;
    parsed.password = password;
    return parsed.toString();
  };
  const SERVE = ['serve', '--host', '127.0.0.1', '--http-port', '0', '--rtmp-port', '0'];

  /** Runs `args` and checks the outcome: exit 1, one line that names `database` and `cause`, nothing on stdout. */
  async function assertFails(args: string[], database: string, cause: string, asUnprivileged = false): Promise<string> {
    const { code, stdout, stderr } = await runCli(args, {}, asUnprivileged);
    assert.equal(code, 1, stderr);
    assertOneLine(stderr, database, cause);
    assert.equal(stdout, '');
    return stderr;
  }

  test('a corrupt SQLite file (serve and the management commands)', async () => {
    const dataDir = newDir();
    const file = `${dataDir}/livehook.db`;
    fs.writeFileSync(file, Buffer.alloc(8192, 'not a database '));
    const line = await assertFails([...SERVE, '--data-dir', dataDir], file, 'file is not a database (SQLITE_NOTADB)');
    assert.match(line, /^livehook: cannot open the SQLite database /);
    await assertFails(['accounts', 'list', '--data-dir', dataDir], file, 'SQLITE_NOTADB');
  });

  test('an unreadable SQLite file', async () => {
    // Root reads any file, so the CLI runs without that power.
    const dataDir = newDir();
    const file = `${dataDir}/livehook.db`;
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o000);
    await assertFails([...SERVE, '--data-dir', dataDir], file, 'permission denied (EACCES)', true);
  });

  test('a read-only data dir', async () => {
    const fsys = mountTmpfs(4 * 1024 * 1024);
    mounts.push(fsys);
    fsys.setReadOnly(true);
    await assertFails([...SERVE, '--data-dir', fsys.dir], `${fsys.dir}/livehook.db`, 'read-only file system (EROFS)');
  });

  test('a full disk', async () => {
    const fsys = mountTmpfs(4 * 1024 * 1024);
    mounts.push(fsys);
    fsys.fill();
    await assertFails([...SERVE, '--data-dir', fsys.dir], `${fsys.dir}/livehook.db`, 'no space left on device');
  });

  test('PostgreSQL: nothing listening, a server that never answers, a refused login; the password never shown', async () => {
    const password = 'pw-not-for-stderr';
    const closedPort = await freePort();
    const silent = net.createServer(() => {}); // accepts, then says nothing
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as net.AddressInfo).port;
    const cases = [
      { url: `postgres://livehook:${password}@127.0.0.1:${closedPort}/livehook`, cause: 'ECONNREFUSED' },
      { url: `postgres://livehook:${password}@127.0.0.1:${silentPort}/livehook`, cause: 'Connection terminated due to connection timeout' },
      // The test server trusts local logins, so an unknown role is its refusal.
      { url: withLogin(ADMIN_URL, 'livehook_no_such_role', password), cause: 'role "livehook_no_such_role" does not exist (28000)' },
    ];
    await Promise.all(
      cases.map(async ({ url, cause }) => {
        const shown = url.replace(password, '***');
        const line = await assertFails([...SERVE, '--data-dir', newDir(), '--database-url', url], shown, cause);
        assert.ok(!line.includes(password), line);
      }),
    );
  });
});
