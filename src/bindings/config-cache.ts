/**
 * The in-memory configuration the event path reads: domains (owner, status, push auth) and the
 * callback template that applies to (domain, app). Lookups are O(1) map reads; every change made
 * through the API/console/CLI calls `invalidate()` and waits for the rebuild before answering, so
 * a change applies to the very next event. A later backend (PostgreSQL LISTEN/NOTIFY) calls the
 * same `invalidate()` when another process changes the store.
 */
import type { Db } from '../store/database.js';
import { listDomains } from '../store/domains.js';
import { listCallbackTemplates, type CallbackTemplateRow } from '../store/callback-templates.js';
import { listCallbackRules } from '../store/callback-rules.js';
import { listForbiddenStreams } from '../store/forbidden-streams.js';
import { resolveTemplateId } from './resolve.js';

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
}

interface Snapshot {
  readonly domains: ReadonlyMap<string, DomainConfig>;
  readonly templates: ReadonlyMap<number, CallbackTemplate>;
  readonly rules: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** streamKey(domain, app, stream) → resume time (Unix ms). */
  readonly forbidden: ReadonlyMap<string, number>;
}

const EMPTY: Snapshot = { domains: new Map(), templates: new Map(), rules: new Map(), forbidden: new Map() };

/** One string per stream: domain, AppName and StreamName cannot contain a newline. */
export const streamKey = (domain: string, app: string, stream: string): string => `${domain}\n${app}\n${stream}`;

export const toCallbackTemplate = (row: CallbackTemplateRow): CallbackTemplate => ({
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
});

async function loadSnapshot(db: Db): Promise<Snapshot> {
  const [domainRows, templateRows, ruleRows, forbiddenRows] = await Promise.all([
    listDomains(db),
    listCallbackTemplates(db),
    listCallbackRules(db),
    listForbiddenStreams(db, Date.now()),
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
    });
  }
  const templates = new Map(templateRows.map((t) => [Number(t.id), toCallbackTemplate(t)]));
  const rules = new Map<string, Map<string, number>>();
  for (const r of ruleRows) {
    let ofDomain = rules.get(r.domain_name);
    if (!ofDomain) rules.set(r.domain_name, (ofDomain = new Map()));
    ofDomain.set(r.app_name, Number(r.template_id));
  }
  const forbidden = new Map(forbiddenRows.map((f) => [streamKey(f.domain_name, f.app_name, f.stream_name), Number(f.resume_at)]));
  return { domains, templates, rules, forbidden };
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

  get size(): { domains: number; templates: number; rules: number } {
    const s = this.#snapshot;
    return { domains: s.domains.size, templates: s.templates.size, rules: s.rules.size };
  }
}
