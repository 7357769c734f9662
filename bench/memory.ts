/**
 * Memory benchmark (target: RSS ≤ 300 MB idle with 1,000 domains and templates).
 *
 * Starts livehook as a child process (as `npm start` runs it, SQLite), reads its RSS when idle
 * and empty, then fills the store through the API: Tencent's per-account limits (100 domains, 50
 * callback templates) mean 20 accounts, each with 50 push domains, 50 callback templates and 50
 * domain-wide rules binding them, 1,000 of each in all. The extra accounts and their keys are
 * written straight into the store (as `livehook accounts create` / `keys create` do) while
 * livehook runs. After the last change livehook idles for `--idle-seconds`, then its RSS is read
 * again, with its /healthz counts as proof that the config cache holds everything.
 *
 * Usage: npx tsx bench/memory.ts [--accounts 20] [--per-account 50] [--idle-seconds 10]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { insertAccount } from '../src/store/accounts.js';
import { insertApiKey } from '../src/store/api-keys.js';
import { openStore } from '../src/store/database.js';
import { sdkClient } from '../test/helpers/livehook.js';
import { rssMb, startLivehookProcess } from './livehook-process.js';
import { sleep } from './lib.js';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '20' },
    'per-account': { type: 'string', default: '50' },
    'idle-seconds': { type: 'string', default: '10' },
  },
});
const ACCOUNTS = Number(values.accounts);
const PER_ACCOUNT = Number(values['per-account']);
const IDLE_SECONDS = Number(values['idle-seconds']);
const FIRST_APPID = 1250000000;
const secretId = (n: number): string => `AKIDbenchmemory${String(n).padStart(21, '0')}`;
const secretKey = (n: number): string => `benchMemorySecretKey${String(n).padStart(12, '0')}`;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-bench-memory-'));
const dataDir = path.join(work, 'data');
const livehook = await startLivehookProcess({
  dataDir,
  logFile: path.join(work, 'livehook.log'),
  secretId: secretId(0),
  secretKey: secretKey(0),
  // info: the start line, which gives the bound port, is logged at that level.
  extraArgs: ['--log-level', 'info'],
});
const pid = livehook.child.pid!;
try {
  await sleep(IDLE_SECONDS * 1000);
  const emptyRss = rssMb(pid);
  console.log(`livehook pid ${pid}; idle and empty: RSS ${emptyRss.toFixed(1)} MB`);

  // The first account and its key exist from the first start; the others are added beside it.
  const store = await openStore(`sqlite:${path.join(dataDir, 'livehook.db')}`);
  for (let n = 1; n < ACCOUNTS; n++) {
    await insertAccount(store.db, FIRST_APPID + n, `bench ${n}`);
    await insertApiKey(store.db, { secretId: secretId(n), secretKey: secretKey(n), appId: FIRST_APPID + n });
  }
  await store.close();

  const started = Date.now();
  for (let n = 0; n < ACCOUNTS; n++) {
    const client = sdkClient(livehook.httpUrl, secretId(n), secretKey(n));
    for (let i = 0; i < PER_ACCOUNT; i++) {
      const domain = `d${i}.a${n}.memory.example.com`;
      await client.AddLiveDomain({ DomainName: domain, DomainType: 0 });
      const { TemplateId } = await client.CreateLiveCallbackTemplate({
        TemplateName: `t${i}`,
        StreamBeginNotifyUrl: `https://receiver.example.com/a${n}/t${i}/begin`,
        StreamEndNotifyUrl: `https://receiver.example.com/a${n}/t${i}/end`,
        CallbackKey: `memoryKey${n}x${i}`,
      });
      await client.CreateLiveCallbackRule({ DomainName: domain, AppName: '', TemplateId: TemplateId! });
    }
  }
  const total = ACCOUNTS * PER_ACCOUNT;
  console.log(`created ${total} domains, ${total} callback templates and ${total} rules over ${ACCOUNTS} accounts in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  await sleep(IDLE_SECONDS * 1000);
  const fullRss = rssMb(pid);
  const health = (await (await fetch(`${livehook.httpUrl}/healthz`)).json()) as { store: { domains: number; templates: number; rules: number } };
  console.log(`config cache (from /healthz): ${health.store.domains} domains, ${health.store.templates} templates, ${health.store.rules} domains with rules`);
  console.log(
    `idle with ${total} domains and templates: RSS ${fullRss.toFixed(1)} MB (${fullRss >= emptyRss ? '+' : ''}${(fullRss - emptyRss).toFixed(1)} MB against empty)   ` +
      `[target ≤ 300 MB: ${fullRss <= 300 ? 'MET' : 'MISSED'}]; load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
} finally {
  livehook.child.kill('SIGTERM');
  await new Promise((resolve) => livehook.child.once('exit', resolve));
  fs.rmSync(work, { recursive: true, force: true });
}
