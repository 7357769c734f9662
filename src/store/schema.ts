/**
 * Table types for the Kysely query builder. One interface per table; times are Unix
 * milliseconds (INTEGER on SQLite, BIGINT on PostgreSQL) so both backends share one code path.
 */
import type { Generated } from 'kysely';

export interface AccountsTable {
  app_id: number;
  name: string;
  created_at: number;
}

export interface ApiKeysTable {
  secret_id: string;
  app_id: number;
  secret_key: string;
  /** 'active' or 'revoked'. Revoked keys stay for the audit trail. */
  status: string;
  created_at: number;
  revoked_at: number | null;
}

export interface AdminsTable {
  username: string;
  app_id: number;
  password_hash: string;
  created_at: number;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface DomainsTable {
  name: string;
  app_id: number;
  /** 0 push, 1 play (Tencent DomainType). */
  type: number;
  /** 0 forbidden, 1 enabled. */
  status: number;
  play_type: number;
  is_delay_live: number;
  is_mini_program_live: number;
  push_auth_enable: number;
  push_auth_master_key: string;
  push_auth_backup_key: string;
  push_auth_delta: number;
  /** Remote push authentication (docs/remote-push-auth.md): 0 off, 1 on. */
  remote_auth_enable: Generated<number>;
  remote_auth_url: Generated<string>;
  remote_auth_timeout_ms: Generated<number>;
  remote_auth_retries: Generated<number>;
  /** 'allow' or 'deny': what a call that gets neither 200 nor 403 decides. */
  remote_auth_on_failure: Generated<string>;
  created_at: number;
  updated_at: number;
}

export interface CallbackTemplatesTable {
  id: Generated<number>;
  app_id: number;
  name: string;
  description: string;
  stream_begin_url: string;
  stream_end_url: string;
  record_url: string;
  record_status_url: string;
  snapshot_url: string;
  porn_url: string;
  stream_mix_url: string;
  push_exception_url: string;
  audio_audit_url: string;
  record_exception_url: string;
  /** JSON array of strings. */
  record_exception_levels: string;
  callback_key: string;
  created_at: number;
  updated_at: number;
}

export interface CallbackRulesTable {
  domain_name: string;
  /** '' = the whole domain. */
  app_name: string;
  app_id: number;
  template_id: number;
  created_at: number;
  updated_at: number;
}

/** The event log: every emitted event, kept for the retention period after it finishes. */
export interface EventsTable {
  id: Generated<number>;
  /** Standard Webhooks `webhook-id`: stable across retries and resends of this event. */
  webhook_id: string;
  app_id: number;
  domain: string;
  app_name: string;
  stream: string;
  event_type: number;
  /** Push session (`sequence`); '' for events outside a session. */
  sequence: string;
  /** Tencent payload JSON without `t` and `sign`, which are made at each attempt. */
  payload: string;
  template_id: number | null;
  url: string;
  /** pending | delivered | failed | no_callback | no_url */
  status: string;
  attempts: number;
  created_at: number;
  finished_at: number | null;
}

/** The hot outbox: one row per event still to be delivered; finished rows are deleted. */
export interface DeliveriesTable {
  id: Generated<number>;
  event_id: number;
  url: string;
  target_host: string;
  /** Events with the same key are sent strictly in id order (one push session). */
  order_key: string | null;
  event_type: number;
  callback_key: string;
  /** Attempts made in this delivery run (a resend starts a new run). */
  attempts: number;
  next_attempt_at: number;
  /** A claimed row is leased until this time; 0 when not claimed. */
  lease_until: number;
  created_at: number;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  event_id: number;
  attempt: number;
  started_at: number;
  status_code: number | null;
  latency_ms: number;
  error_kind: string | null;
  response_excerpt: string;
}

/** Streams refused at push time until `resume_at` (ForbidLiveStream). */
export interface ForbiddenStreamsTable {
  app_id: number;
  domain_name: string;
  app_name: string;
  stream_name: string;
  reason: string;
  resume_at: number;
  created_at: number;
}

export interface SnapshotTemplatesTable {
  id: Generated<number>;
  app_id: number;
  name: string;
  description: string;
  /** Seconds between screenshots. */
  snapshot_interval: number;
  /** 0 = the stream's own size. */
  width: number;
  height: number;
  /** 0 off, 1 on (porn detection). */
  porn_flag: number;
  /** Tencent COS fields: accepted and stored; livehook keeps the files itself. */
  cos_app_id: number;
  cos_bucket: string;
  cos_region: string;
  /** Path patterns with Tencent's placeholders, defaults filled in at create time. */
  cos_prefix: string;
  cos_file_name: string;
  created_at: number;
  updated_at: number;
}

export interface RecordTemplatesTable {
  id: Generated<number>;
  app_id: number;
  name: string;
  description: string;
  /** 0 standard live, 1 slow live (Tencent IsDelayLive). */
  is_delay_live: number;
  /** Tencent RecordParam objects as given (JSON), NULL when not given. */
  flv_param: string | null;
  hls_param: string | null;
  mp4_param: string | null;
  aac_param: string | null;
  mp3_param: string | null;
  /** HlsSpecialParam / FlvSpecialParam as given (JSON), NULL when not given. */
  hls_special_param: string | null;
  flv_special_param: string | null;
  /** 0/1 (Tencent's RemoveWatermark boolean). */
  remove_watermark: number;
  cos_store: number;
  created_at: number;
  updated_at: number;
}

/** Snapshot and record rules: a template bound to (domain, app, stream); '' = any. */
export interface MediaRulesTable {
  domain_name: string;
  /** '' = every AppName of the domain. */
  app_name: string;
  /** '' = every stream. */
  stream_name: string;
  app_id: number;
  template_id: number;
  created_at: number;
  updated_at: number;
}

export interface MigrationsTable {
  id: number;
  name: string;
  applied_at: number;
}

/** A screenshot the classifier did not pass (Block or Review), kept for the console. */
export interface ModerationResultsTable {
  id: Generated<number>;
  app_id: number;
  domain_name: string;
  app_name: string;
  stream_name: string;
  /** Path under /files of the screenshot. */
  pic_url: string;
  suggestion: string;
  label: string;
  sub_label: string;
  /** Score (0–100) of the label that decided the suggestion. */
  score: number;
  /** The labelResults array as sent in event 317 (JSON). */
  label_results: string;
  screenshot_at: number;
}

/**
 * One row per push, from admission to its end; the row that has no `ended_at` is the stream's
 * live push (at most one per account, domain, app and stream: a partial unique index). Kept after
 * the end as the stream's history.
 */
export interface PushSessionsTable {
  id: Generated<number>;
  app_id: number;
  domain_name: string;
  app_name: string;
  stream_name: string;
  /** The `sequence` shared by the push's events 1 and 0. */
  sequence: string;
  /** 'rtmp' (embedded), 'nginx-rtmp', 'srs' or 'mediamtx'. */
  source: string;
  /** The instance that holds the publisher (instances.id). */
  instance_id: string;
  client_ip: string;
  /** Address of the ingest node that took the push. */
  node: string;
  /** The push URL's query string, unchanged. */
  stream_param: string;
  width: number;
  height: number;
  video_codec: string;
  audio_codec: string;
  /** 'admitted', 'started' or 'ended'. */
  state: string;
  admitted_at: number;
  started_at: number | null;
  /** Last time the owning instance saw the publisher alive (push_duration ends here on recovery). */
  last_seen_at: number;
  ended_at: number | null;
  end_errcode: number | null;
  end_errmsg: string | null;
}

/** Running livehook processes: each renews its lease; an expired lease means it died. */
export interface InstancesTable {
  id: string;
  host: string;
  pid: number;
  started_at: number;
  lease_until: number;
}

/** API request signatures (TC3) and v1 nonces already accepted, until their window closes. */
export interface RequestSignaturesTable {
  signature: string;
  expires_at: number;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  admins: AdminsTable;
  settings: SettingsTable;
  domains: DomainsTable;
  callback_templates: CallbackTemplatesTable;
  callback_rules: CallbackRulesTable;
  events: EventsTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  forbidden_streams: ForbiddenStreamsTable;
  snapshot_templates: SnapshotTemplatesTable;
  snapshot_rules: MediaRulesTable;
  record_templates: RecordTemplatesTable;
  record_rules: MediaRulesTable;
  moderation_results: ModerationResultsTable;
  push_sessions: PushSessionsTable;
  instances: InstancesTable;
  request_signatures: RequestSignaturesTable;
  livehook_migrations: MigrationsTable;
}
