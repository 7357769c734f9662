/**
 * The in-memory configuration the event path reads: domains (owner, status, push auth) and the
 * callback template that applies to (domain, app). Lookups are O(1) map reads; after every API or
 * console action declared `changesConfig` the dispatch calls `invalidate()` and waits for the
 * rebuild before answering, so a change applies to the very next event. A later backend (PostgreSQL LISTEN/NOTIFY) calls the
 * same `invalidate()` when another process changes the store.
 */
import type { Db } from '../store/database.js';
import { listDomains } from '../store/domains.js';
import { listCallbackTemplates, type CallbackTemplateRow } from '../store/callback-templates.js';
import { listCallbackRules } from '../store/callback-rules.js';
import { listForbiddenStreams } from '../store/forbidden-streams.js';
import { listMediaRules } from '../store/media-rules.js';
import {
  DEFAULT_RECORD_INTERVAL,
  recordTemplates,
  storedRecordParam,
  type RecordParamName,
  type RecordTemplateRow,
} from '../store/record-templates.js';
import { snapshotTemplates, type SnapshotTemplateRow } from '../store/snapshot-templates.js';
import { mediaRuleKey, resolveMediaRule, resolveTemplateId, type RulesOfDomain } from './resolve.js';

export interface DomainConfig {
  readonly name: string;
  readonly appId: number;
  readonly type: number;
  readonly enabled: boolean;
  readonly pushAuth: {
    readonly enabled: boolean;
    readonly masterKey: string;
    readonly backupKey: string;
    readonly deltaSeconds: number;
  };
  /** Remote push authentication (docs/remote-push-auth.md). */
  readonly remoteAuth: {
    readonly enabled: boolean;
    readonly url: string;
    /** Per try, 500–3000 ms. */
    readonly timeoutMs: number;
    /** Further tries after the first, 0–3. */
    readonly retries: number;
    /** What a call answered by neither 200 nor 403 decides. */
    readonly onFailure: 'allow' | 'deny';
  };
}

export interface CallbackTemplate {
  readonly id: number;
  readonly appId: number;
  readonly callbackKey: string;
  readonly urls: {
    readonly streamBegin: string;
    readonly streamEnd: string;
    readonly record: string;
    readonly recordStatus: string;
    readonly snapshot: string;
    readonly porn: string;
    readonly pushException: string;
    readonly audioAudit: string;
    readonly recordException: string;
  };
  /** RecordExceptionLevels: which 341 levels are sent ([] = all). */
  readonly recordExceptionLevels: readonly string[];
}

/** The screenshot settings that apply to a stream (snapshot template bound by a snapshot rule). */
export interface SnapshotTemplateConfig {
  readonly id: number;
  readonly appId: number;
  readonly intervalSeconds: number;
  /** 0 = the stream's own size (both 0), or keep the aspect ratio (one 0). */
  readonly width: number;
  readonly height: number;
  readonly pornFlag: boolean;
  readonly cosPrefix: string;
  readonly cosFileName: string;
}

/** The formats livehook records itself; AAC/MP3 parameters are stored and described only. */
export type RecordFormat = 'flv' | 'mp4' | 'hls';

/** The recording that applies to a stream (record template bound by a record rule). */
export interface RecordTemplateConfig {
  readonly id: number;
  readonly appId: number;
  /** Formats with Enable=1, each cut every RecordInterval seconds (default 1800). */
  readonly formats: ReadonlyArray<{ readonly format: RecordFormat; readonly intervalSeconds: number }>;
}

interface Snapshot {
  readonly domains: ReadonlyMap<string, DomainConfig>;
  readonly templates: ReadonlyMap<number, CallbackTemplate>;
  /** Callback rules: domain → (AppName → template id). */
  readonly rules: ReadonlyMap<string, RulesOfDomain>;
  /** streamKey(domain, app, stream) → resume time (Unix ms). */
  readonly forbidden: ReadonlyMap<string, number>;
  readonly snapshotTemplates: ReadonlyMap<number, SnapshotTemplateConfig>;
  /** Snapshot/record rules: domain → (mediaRuleKey(app, stream) → template id). */
  readonly snapshotRules: ReadonlyMap<string, RulesOfDomain>;
  readonly recordTemplates: ReadonlyMap<number, RecordTemplateConfig>;
  readonly recordRules: ReadonlyMap<string, RulesOfDomain>;
}

const EMPTY: Snapshot = {
  domains: new Map(),
  templates: new Map(),
  rules: new Map(),
  forbidden: new Map(),
  snapshotTemplates: new Map(),
  snapshotRules: new Map(),
  recordTemplates: new Map(),
  recordRules: new Map(),
};

/** One string per stream: domain, AppName and StreamName cannot contain a newline. */
export const streamKey = (domain: string, app: string, stream: string): string => `${domain}\n${app}\n${stream}`;

const toCallbackTemplate = (row: CallbackTemplateRow): CallbackTemplate => ({
  id: Number(row.id),
  appId: Number(row.app_id),
  callbackKey: row.callback_key,
  urls: {
    streamBegin: row.stream_begin_url,
    streamEnd: row.stream_end_url,
    record: row.record_url,
    recordStatus: row.record_status_url,
    snapshot: row.snapshot_url,
    porn: row.porn_url,
    pushException: row.push_exception_url,
    audioAudit: row.audio_audit_url,
    recordException: row.record_exception_url,
  },
  recordExceptionLevels: JSON.parse(row.record_exception_levels) as string[],
});

const toSnapshotTemplateConfig = (row: SnapshotTemplateRow): SnapshotTemplateConfig => ({
  id: Number(row.id),
  appId: Number(row.app_id),
  intervalSeconds: Number(row.snapshot_interval),
  width: Number(row.width),
  height: Number(row.height),
  pornFlag: Number(row.porn_flag) === 1,
  cosPrefix: row.cos_prefix,
  cosFileName: row.cos_file_name,
});

/** The RecordParam each recorded format is configured by. */
const RECORD_FORMAT_PARAMS = { flv: 'FlvParam', mp4: 'Mp4Param', hls: 'HlsParam' } as const satisfies Record<RecordFormat, RecordParamName>;

function toRecordTemplateConfig(row: RecordTemplateRow): RecordTemplateConfig {
  const formats: Array<{ format: RecordFormat; intervalSeconds: number }> = [];
  for (const [format, name] of Object.entries(RECORD_FORMAT_PARAMS) as Array<[RecordFormat, RecordParamName]>) {
    const param = storedRecordParam(row, name);
    if (param?.Enable === 1) formats.push({ format, intervalSeconds: param.RecordInterval ?? DEFAULT_RECORD_INTERVAL });
  }
  return { id: Number(row.id), appId: Number(row.app_id), formats };
}

/** Rules by domain name, each domain's keyed by `keyOf` (see resolve.ts for the keys). */
function groupByDomain<R extends { readonly domain_name: string; readonly template_id: number }>(
  rows: readonly R[],
  keyOf: (rule: R) => string,
): ReadonlyMap<string, RulesOfDomain> {
  const byDomain = new Map<string, Map<string, number>>();
  for (const r of rows) {
    let ofDomain = byDomain.get(r.domain_name);
    if (!ofDomain) byDomain.set(r.domain_name, (ofDomain = new Map()));
    ofDomain.set(keyOf(r), Number(r.template_id));
  }
  return byDomain;
}

async function loadSnapshot(db: Db): Promise<Snapshot> {
  const [domainRows, templateRows, ruleRows, forbiddenRows, snapshotTemplateRows, snapshotRuleRows, recordTemplateRows, recordRuleRows] =
    await Promise.all([
      listDomains(db),
      listCallbackTemplates(db),
      listCallbackRules(db),
      listForbiddenStreams(db, Date.now()),
      snapshotTemplates.list(db),
      listMediaRules(db, 'snapshot'),
      recordTemplates.list(db),
      listMediaRules(db, 'record'),
    ]);
  const domains = new Map<string, DomainConfig>();
  for (const d of domainRows) {
    domains.set(d.name, {
      name: d.name,
      appId: Number(d.app_id),
      type: Number(d.type),
      enabled: Number(d.status) === 1,
      pushAuth: {
        enabled: Number(d.push_auth_enable) === 1,
        masterKey: d.push_auth_master_key,
        backupKey: d.push_auth_backup_key,
        deltaSeconds: Number(d.push_auth_delta),
      },
      remoteAuth: {
        enabled: Number(d.remote_auth_enable) === 1,
        url: d.remote_auth_url,
        timeoutMs: Number(d.remote_auth_timeout_ms),
        retries: Number(d.remote_auth_retries),
        onFailure: d.remote_auth_on_failure === 'deny' ? 'deny' : 'allow',
      },
    });
  }
  const templates = new Map(templateRows.map((t) => [Number(t.id), toCallbackTemplate(t)]));
  const forbidden = new Map(forbiddenRows.map((f) => [streamKey(f.domain_name, f.app_name, f.stream_name), Number(f.resume_at)]));
  return {
    domains,
    templates,
    rules: groupByDomain(ruleRows, (r) => r.app_name),
    forbidden,
    snapshotTemplates: new Map(snapshotTemplateRows.map((t) => [Number(t.id), toSnapshotTemplateConfig(t)])),
    snapshotRules: groupByDomain(snapshotRuleRows, (r) => mediaRuleKey(r.app_name, r.stream_name)),
    recordTemplates: new Map(recordTemplateRows.map((t) => [Number(t.id), toRecordTemplateConfig(t)])),
    recordRules: groupByDomain(recordRuleRows, (r) => mediaRuleKey(r.app_name, r.stream_name)),
  };
}

export class ConfigCache {
  #snapshot: Snapshot = EMPTY;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  readonly #db: Db;
  readonly #listeners = new Set<() => void>();

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Rebuild from the store. Calls that arrive during a rebuild share one follow-up rebuild, so a
   * caller always waits for a load that started after its own change was committed.
   */
  invalidate(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#reload().finally(() => (this.#running = undefined));
      return this.#running;
    }
    this.#queued ??= this.#running.then(() => {
      this.#queued = undefined;
      return this.invalidate();
    });
    return this.#queued;
  }

  async #reload(): Promise<void> {
    this.#snapshot = await loadSnapshot(this.#db);
    for (const listener of this.#listeners) listener();
  }

  /**
   * Runs after every rebuild, e.g. so live pushes of a domain or stream that was just forbidden
   * are ended. Listeners must not throw (wrap them); returns the unsubscribe function.
   */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The time (Unix ms) until which pushes of this stream are refused, if it is forbidden now. */
  forbiddenUntil(domain: string, app: string, stream: string, now = Date.now()): number | undefined {
    const until = this.#snapshot.forbidden.get(streamKey(domain.toLowerCase(), app, stream));
    return until !== undefined && until > now ? until : undefined;
  }

  domain(name: string): DomainConfig | undefined {
    return this.#snapshot.domains.get(name.toLowerCase());
  }

  /** The callback template for a stream pushed to (domain, app), with the account that owns it. */
  callbackTemplate(domainName: string, appName: string): CallbackTemplate | undefined {
    const name = domainName.toLowerCase();
    const id = resolveTemplateId(this.#snapshot.rules.get(name), appName);
    return id === undefined ? undefined : this.#snapshot.templates.get(id);
  }

  template(id: number): CallbackTemplate | undefined {
    return this.#snapshot.templates.get(id);
  }

  /** The snapshot template bound to this stream (see resolveMediaRule for precedence), if any. */
  snapshotTemplateFor(domain: string, app: string, stream: string): SnapshotTemplateConfig | undefined {
    const id = resolveMediaRule(this.#snapshot.snapshotRules.get(domain.toLowerCase()), app, stream);
    return id === undefined ? undefined : this.#snapshot.snapshotTemplates.get(id);
  }

  /**
   * The record template bound to this stream (see resolveMediaRule for precedence), or undefined
   * when no rule applies or the template enables none of the formats livehook records.
   */
  recordTemplateFor(domain: string, app: string, stream: string): RecordTemplateConfig | undefined {
    const id = resolveMediaRule(this.#snapshot.recordRules.get(domain.toLowerCase()), app, stream);
    const template = id === undefined ? undefined : this.#snapshot.recordTemplates.get(id);
    return template && template.formats.length > 0 ? template : undefined;
  }

  get size(): { domains: number; templates: number; rules: number } {
    const s = this.#snapshot;
    return { domains: s.domains.size, templates: s.templates.size, rules: s.rules.size };
  }
}
