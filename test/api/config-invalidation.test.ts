/**
 * Config cache invalidation is structural (issue 15 item 1): actions declare `changesConfig` and
 * the dispatch rebuilds the cache after them. This suite is derived from the action table: it
 * runs every action in ACTIONS against a real livehook with valid parameters (one fixture per
 * action name below; an action without one fails the suite by name), compares every table of the
 * store before and after the call, and asserts
 * - an action changes a table the cache is built from (learned by watching a rebuild's queries)
 *   exactly when it is declared `changesConfig` (read-only actions stay cheap: no rebuild), and
 * - once it has answered, the running cache equals a cache freshly built from the store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { utcTime } from '../../src/api/actions/history-time.js';
import { ACTIONS } from '../../src/api/router.js';
import { ConfigCache } from '../../src/bindings/config-cache.js';
import type { Db } from '../../src/store/database.js';
import { callAction, forStream, waitUntil } from '../helpers/callbacks.js';
import { push, requireFfmpeg, startPush, type Push } from '../helpers/ffmpeg.js';
import { TEST_APPID, startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';

type Params = Record<string, unknown>;
type Call = (action: string, params?: Params) => Promise<Params>;
/** Prepares what one action needs (through other actions, not observed) and returns its parameters. */
type Fixture = (call: Call) => Promise<Params>;

const BASE_DOMAIN = 'push.invalidation.example.com';
const COS = { CosAppId: TEST_APPID, CosBucket: 'fixtures', CosRegion: 'ap-guangzhou' };

let receiver: Receiver;
let livehook: TestLivehook;
let baseTemplateId: number;
let counter = 0;
const unique = (prefix: string): string => `${prefix}${++counter}`;
const utcMinutesAgo = (minutes: number): string => utcTime(Date.now() - minutes * 60_000);
const running = new Set<Push>();

const newDomain = async (call: Call): Promise<string> => {
  const name = `${unique('d')}.invalidation.example.com`;
  await call('AddLiveDomain', { DomainName: name, DomainType: 0 });
  return name;
};
const newCallbackTemplate = async (call: Call): Promise<number> =>
  Number((await call('CreateLiveCallbackTemplate', { TemplateName: unique('cb'), StreamBeginNotifyUrl: receiver.url('/begin') })).TemplateId);
const newSnapshotTemplate = async (call: Call): Promise<number> =>
  Number((await call('CreateLiveSnapshotTemplate', { TemplateName: unique('snap'), ...COS })).TemplateId);
const newRecordTemplate = async (call: Call): Promise<number> =>
  Number((await call('CreateLiveRecordTemplate', { TemplateName: unique('rec'), FlvParam: { Enable: 1, RecordInterval: 1800 } })).TemplateId);

const rtmpUrl = (stream: string): string => `rtmp://127.0.0.1:${livehook.rtmpPort}/live/${stream}`;
const tcUrl = `rtmp://${BASE_DOMAIN}/live`;

/** The template and rule actions of the snapshot or record family, which differ in names and parameters only. */
function mediaFamilyFixtures(
  family: 'Snapshot' | 'Record',
  newTemplate: (call: Call) => Promise<number>,
  created: () => Params,
  modified: Params,
): Record<string, Fixture> {
  const existing = async (call: Call) => ({ TemplateId: await newTemplate(call) });
  return {
    [`CreateLive${family}Template`]: async () => created(),
    [`DeleteLive${family}Template`]: existing,
    [`DescribeLive${family}Template`]: existing,
    [`DescribeLive${family}Templates`]: async () => ({}),
    [`ModifyLive${family}Template`]: async (call) => ({ ...(await existing(call)), ...modified }),
    [`CreateLive${family}Rule`]: async (call) => ({ DomainName: await newDomain(call), ...(await existing(call)) }),
    [`DeleteLive${family}Rule`]: async (call) => {
      const DomainName = await newDomain(call);
      await call(`CreateLive${family}Rule`, { DomainName, ...(await existing(call)) });
      return { DomainName };
    },
    [`DescribeLive${family}Rules`]: async () => ({}),
  };
}

const FIXTURES: Record<string, Fixture> = {
  AddLiveDomain: async () => ({ DomainName: `${unique('d')}.invalidation.example.com`, DomainType: 0 }),
  DeleteLiveDomain: async (call) => ({ DomainName: await newDomain(call), DomainType: 0 }),
  DescribeLiveDomain: async () => ({ DomainName: BASE_DOMAIN }),
  DescribeLiveDomains: async () => ({}),
  EnableLiveDomain: async (call) => {
    const DomainName = await newDomain(call);
    await call('ForbidLiveDomain', { DomainName });
    return { DomainName };
  },
  ForbidLiveDomain: async (call) => ({ DomainName: await newDomain(call) }),
  DescribeLivePushAuthKey: async () => ({ DomainName: BASE_DOMAIN }),
  ModifyLivePushAuthKey: async (call) => ({ DomainName: await newDomain(call), MasterAuthKey: 'changedKey1' }),
  DescribeLiveRemotePushAuth: async () => ({ DomainName: BASE_DOMAIN }),
  ModifyLiveRemotePushAuth: async (call) => ({ DomainName: await newDomain(call), Enable: 1, Url: receiver.url('/auth') }),

  CreateLiveCallbackTemplate: async () => ({ TemplateName: unique('cb'), StreamEndNotifyUrl: receiver.url('/end') }),
  DeleteLiveCallbackTemplate: async (call) => ({ TemplateId: await newCallbackTemplate(call) }),
  DescribeLiveCallbackTemplate: async () => ({ TemplateId: baseTemplateId }),
  DescribeLiveCallbackTemplates: async () => ({}),
  ModifyLiveCallbackTemplate: async (call) => ({ TemplateId: await newCallbackTemplate(call), CallbackKey: 'changedKey2' }),
  CreateLiveCallbackRule: async (call) => ({ DomainName: await newDomain(call), AppName: 'live', TemplateId: await newCallbackTemplate(call) }),
  DeleteLiveCallbackRule: async (call) => {
    const rule = { DomainName: await newDomain(call), AppName: 'live' };
    await call('CreateLiveCallbackRule', { ...rule, TemplateId: await newCallbackTemplate(call) });
    return rule;
  },
  DescribeLiveCallbackRules: async () => ({}),

  DescribeCallbackEvents: async () => ({}),
  DescribeCallbackEventTypes: async () => ({}),
  ResendCallbackEvent: async (call) => {
    const stream = unique('resend');
    await push({ url: rtmpUrl(stream), tcUrl, seconds: 1 });
    const EventId = await waitUntil(
      async () => {
        const page = await call('DescribeCallbackEvents', { StreamName: stream, EventType: 1, Status: 'delivered' });
        return (page.EventList as Array<{ EventId: string }>)[0]?.EventId;
      },
      { what: `event 1 of ${stream} delivered` },
    );
    return { EventId };
  },
  SendTestCallback: async () => ({ TemplateId: baseTemplateId, EventType: 1 }),

  DescribeLiveForbidStreamList: async () => ({}),
  DescribeLiveStreamOnlineList: async () => ({}),
  DescribeLiveStreamState: async () => ({ DomainName: BASE_DOMAIN, AppName: 'live', StreamName: 'nobody' }),
  DescribeLiveStreamEventList: async () => ({ StartTime: utcMinutesAgo(60), EndTime: utcMinutesAgo(0) }),
  DescribeLiveStreamPublishedList: async () => ({ DomainName: BASE_DOMAIN, StartTime: utcMinutesAgo(60), EndTime: utcMinutesAgo(0), PageSize: 10 }),
  DescribeLiveStreamPushInfoList: async () => ({}),
  DescribeCallbackRecordsList: async () => ({ StartTime: utcMinutesAgo(60), EndTime: utcMinutesAgo(0), StreamName: 'nobody', PageNum: 1, PageSize: 10 }),
  DropLiveStream: async () => {
    const StreamName = unique('drop');
    const live = startPush({ url: rtmpUrl(StreamName), tcUrl });
    running.add(live);
    void live.done.then(() => running.delete(live));
    await receiver.waitFor(1, { path: '/begin', filter: forStream(StreamName), timeoutMs: 10_000 });
    return { DomainName: BASE_DOMAIN, AppName: 'live', StreamName };
  },
  ForbidLiveStream: async () => ({ DomainName: BASE_DOMAIN, AppName: 'live', StreamName: unique('forbid') }),
  ResumeLiveStream: async (call) => {
    const stream = { DomainName: BASE_DOMAIN, AppName: 'live', StreamName: unique('resume') };
    await call('ForbidLiveStream', stream);
    return stream;
  },

  ...mediaFamilyFixtures('Snapshot', newSnapshotTemplate, () => ({ TemplateName: unique('snap'), ...COS }), { ...COS, SnapshotInterval: 20 }),
  ...mediaFamilyFixtures(
    'Record',
    newRecordTemplate,
    () => ({ TemplateName: unique('rec'), HlsParam: { Enable: 1, RecordInterval: 600 } }),
    { Mp4Param: { Enable: 1, RecordInterval: 900 } },
  ),

  DescribeModerationResults: async () => ({}),
};

// ---- Observing the store ----

/** Names of every table a query touches (Kysely operation trees name them in TableNodes). */
function tablesOf(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) tablesOf(child, into);
  } else if (node !== null && typeof node === 'object') {
    const candidate = node as { kind?: unknown; table?: { identifier?: { name?: unknown } } };
    const name = candidate.table?.identifier?.name;
    if (candidate.kind === 'TableNode' && typeof name === 'string') into.add(name);
    for (const child of Object.values(node)) tablesOf(child, into);
  }
}

/** A fresh cache on the same store, plus the tables its rebuilds read. */
function observedCache(db: Db): { cache: ConfigCache; tables: Set<string> } {
  const tables = new Set<string>();
  const recorder: KyselyPlugin = {
    transformQuery: ({ node }): RootOperationNode => {
      tablesOf(node, tables);
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return { cache: new ConfigCache(db.withPlugin(recorder)), tables };
}

const json = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** Every table's rows, as one sorted list of JSON lines per table (row order is not a change). */
async function tableContents(db: Db): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  for (const table of await db.introspection.getTables()) {
    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table.name)}`.execute(db);
    contents.set(table.name, rows.map(json).sort().join('\n'));
  }
  return contents;
}

const changedTables = (before: Map<string, string>, after: Map<string, string>): string[] =>
  [...new Set([...before.keys(), ...after.keys()])].filter((t) => before.get(t) !== after.get(t)).sort();

/** Every name the cache can be asked about, collected from the store over the whole run. */
class CacheKeys {
  readonly domains = new Set<string>();
  readonly templateIds = new Set<number>();
  /** domain \n app \n stream */
  readonly streams = new Set<string>();

  /** Names in the rows of the cache's tables: domains, callback template ids, rule and forbidden streams. */
  async collect(db: Db, tables: ReadonlySet<string>): Promise<void> {
    for (const table of tables) {
      const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(db);
      for (const r of rows) {
        if (table === 'domains') this.domains.add(String(r.name));
        if (table === 'callback_templates') this.templateIds.add(Number(r.id));
        if (typeof r.domain_name === 'string') {
          this.domains.add(r.domain_name);
          this.streams.add([r.domain_name, r.app_name, r.stream_name || 'any'].join('\n'));
        }
      }
    }
    for (const d of this.domains) this.streams.add([d, 'live', 'any'].join('\n'));
  }
}

/** What the event path can read from a cache, for every known name. */
function cacheView(cache: ConfigCache, keys: CacheKeys): unknown {
  const streams = [...keys.streams].sort().map((s) => s.split('\n') as [string, string, string]);
  return {
    size: cache.size,
    domains: [...keys.domains].sort().map((d) => [d, cache.domain(d) ?? null]),
    templates: [...keys.templateIds].sort().map((id) => [id, cache.template(id) ?? null]),
    streams: streams.map(([d, a, s]) => ({
      stream: [d, a, s],
      callbackTemplate: cache.callbackTemplate(d, a)?.id ?? null,
      forbidden: cache.forbiddenUntil(d, a, s) ?? null,
      snapshot: cache.snapshotTemplateFor(d, a, s) ?? null,
      record: cache.recordTemplateFor(d, a, s) ?? null,
    })),
  };
}

describe('config cache invalidation, derived from the action table', () => {
  let client: LiveClient;
  let configTables: ReadonlySet<string>;
  const keys = new CacheKeys();
  const call: Call = (action, params = {}) => callAction(client, action, params);

  before(async () => {
    requireFfmpeg();
    receiver = await Receiver.start();
    livehook = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    client = livehook.client();
    baseTemplateId = Number(
      (await call('CreateLiveCallbackTemplate', { TemplateName: 'base', StreamBeginNotifyUrl: receiver.url('/begin'), StreamEndNotifyUrl: receiver.url('/end') }))
        .TemplateId,
    );
    await call('AddLiveDomain', { DomainName: BASE_DOMAIN, DomainType: 0 });
    await call('ModifyLivePushAuthKey', { DomainName: BASE_DOMAIN, Enable: 0 });
    await call('CreateLiveCallbackRule', { DomainName: BASE_DOMAIN, AppName: '', TemplateId: baseTemplateId });
    const observed = observedCache(livehook.store.db);
    await observed.cache.invalidate();
    configTables = observed.tables;
  });

  after(async () => {
    await Promise.all([...running].map((p) => p.kill()));
    await livehook?.stop();
    await receiver?.close();
  });

  test('every action in the table has a fixture here, and every fixture an action', () => {
    assert.deepEqual(Object.keys(ACTIONS).filter((name) => !Object.hasOwn(FIXTURES, name)), [], 'actions without a fixture in this file');
    assert.deepEqual(Object.keys(FIXTURES).filter((name) => !Object.hasOwn(ACTIONS, name)), [], 'fixtures of actions that no longer exist');
    assert.ok(configTables.has('domains') && configTables.has('callback_rules'), `the cache's tables were observed: ${[...configTables].join(', ')}`);
  });

  for (const [name, action] of Object.entries(ACTIONS)) {
    test(`${name}: declared changesConfig exactly when it writes the cache's tables; the cache is current when it answers`, async () => {
      const fixture = FIXTURES[name];
      assert.ok(fixture, `${name} has no fixture in test/api/config-invalidation.test.ts: add one`);
      const params = await fixture(call);
      const db = livehook.store.db;
      const before = await tableContents(db);
      await call(name, params);
      const written = changedTables(before, await tableContents(db));

      const writesConfig = written.filter((t) => configTables.has(t));
      assert.equal(
        action.changesConfig,
        writesConfig.length > 0,
        action.changesConfig
          ? `${name} is declared changesConfig but wrote none of the cache's tables (it wrote: ${written.join(', ') || 'nothing'})`
          : `${name} wrote ${writesConfig.join(', ')} (read by the config cache) but is not declared changesConfig`,
      );

      await keys.collect(db, configTables);
      const fresh = observedCache(db).cache;
      await fresh.invalidate();
      assert.deepEqual(cacheView(livehook.cache, keys), cacheView(fresh, keys), `after ${name} answered, the cache must already reflect the store`);
    });
  }
});
