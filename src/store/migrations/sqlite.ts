/**
 * SQLite schema history. Append-only: never edit a released migration, add the next number.
 * Each entry runs in its own transaction together with the row that records it.
 */
import type { Migration } from '../migrate.js';

export const sqliteMigrations: readonly Migration[] = [
  {
    id: 1,
    name: 'accounts, keys, domains, callback templates and rules',
    sql: `
      CREATE TABLE accounts (
        app_id INTEGER PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
      );
      CREATE TABLE api_keys (
        secret_id TEXT PRIMARY KEY,
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        secret_key TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active',
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX api_keys_by_app ON api_keys(app_id);
      CREATE TABLE admins (
        username TEXT PRIMARY KEY,
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE domains (
        name TEXT PRIMARY KEY,
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        type INTEGER NOT NULL,
        status INTEGER NOT NULL DEFAULT 1,
        play_type INTEGER NOT NULL DEFAULT 1,
        is_delay_live INTEGER NOT NULL DEFAULT 0,
        is_mini_program_live INTEGER NOT NULL DEFAULT 0,
        push_auth_enable INTEGER NOT NULL DEFAULT 0,
        push_auth_master_key TEXT NOT NULL DEFAULT '',
        push_auth_backup_key TEXT NOT NULL DEFAULT '',
        push_auth_delta INTEGER NOT NULL DEFAULT 1800,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX domains_by_app ON domains(app_id, name);
      CREATE TABLE callback_templates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        stream_begin_url TEXT NOT NULL DEFAULT '',
        stream_end_url TEXT NOT NULL DEFAULT '',
        record_url TEXT NOT NULL DEFAULT '',
        record_status_url TEXT NOT NULL DEFAULT '',
        snapshot_url TEXT NOT NULL DEFAULT '',
        porn_url TEXT NOT NULL DEFAULT '',
        stream_mix_url TEXT NOT NULL DEFAULT '',
        push_exception_url TEXT NOT NULL DEFAULT '',
        audio_audit_url TEXT NOT NULL DEFAULT '',
        record_exception_url TEXT NOT NULL DEFAULT '',
        record_exception_levels TEXT NOT NULL DEFAULT '[]',
        callback_key TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX callback_templates_by_app ON callback_templates(app_id, id);
      CREATE TABLE callback_rules (
        domain_name TEXT NOT NULL REFERENCES domains(name) ON DELETE CASCADE,
        app_name TEXT NOT NULL,
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        template_id INTEGER NOT NULL REFERENCES callback_templates(id),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (domain_name, app_name)
      );
      CREATE INDEX callback_rules_by_template ON callback_rules(template_id);
      CREATE INDEX callback_rules_by_app ON callback_rules(app_id);
    `,
  },
  {
    id: 2,
    name: 'events log, delivery outbox and attempts',
    sql: `
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        webhook_id TEXT NOT NULL UNIQUE,
        app_id INTEGER NOT NULL,
        domain TEXT NOT NULL,
        app_name TEXT NOT NULL,
        stream TEXT NOT NULL,
        event_type INTEGER NOT NULL,
        sequence TEXT NOT NULL DEFAULT '',
        payload TEXT NOT NULL,
        template_id INTEGER,
        url TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE INDEX events_by_app_time ON events(app_id, created_at);
      CREATE INDEX events_by_finish ON events(finished_at) WHERE finished_at IS NOT NULL;
      CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        target_host TEXT NOT NULL,
        order_key TEXT,
        event_type INTEGER NOT NULL,
        callback_key TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_until INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX deliveries_due ON deliveries(next_attempt_at);
      CREATE INDEX deliveries_by_order ON deliveries(order_key, id) WHERE order_key IS NOT NULL;
      CREATE INDEX deliveries_by_event ON deliveries(event_id);
      CREATE TABLE delivery_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        status_code INTEGER,
        latency_ms INTEGER NOT NULL,
        error_kind TEXT,
        response_excerpt TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX delivery_attempts_by_event ON delivery_attempts(event_id);
    `,
  },
  {
    id: 3,
    name: 'forbidden streams',
    sql: `
      CREATE TABLE forbidden_streams (
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        domain_name TEXT NOT NULL,
        app_name TEXT NOT NULL,
        stream_name TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        resume_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (domain_name, app_name, stream_name)
      );
      CREATE INDEX forbidden_streams_by_app ON forbidden_streams(app_id, created_at);
    `,
  },
  {
    id: 4,
    name: 'snapshot and record templates and rules',
    sql: `
      CREATE TABLE snapshot_templates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        snapshot_interval INTEGER NOT NULL,
        width INTEGER NOT NULL DEFAULT 0,
        height INTEGER NOT NULL DEFAULT 0,
        porn_flag INTEGER NOT NULL DEFAULT 0,
        cos_app_id INTEGER NOT NULL,
        cos_bucket TEXT NOT NULL,
        cos_region TEXT NOT NULL,
        cos_prefix TEXT NOT NULL,
        cos_file_name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX snapshot_templates_by_app ON snapshot_templates(app_id, id);
      CREATE TABLE snapshot_rules (
        domain_name TEXT NOT NULL REFERENCES domains(name) ON DELETE CASCADE,
        app_name TEXT NOT NULL,
        stream_name TEXT NOT NULL,
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        template_id INTEGER NOT NULL REFERENCES snapshot_templates(id),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (domain_name, app_name, stream_name)
      );
      CREATE INDEX snapshot_rules_by_template ON snapshot_rules(template_id);
      CREATE INDEX snapshot_rules_by_app ON snapshot_rules(app_id);
      CREATE TABLE record_templates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        is_delay_live INTEGER NOT NULL DEFAULT 0,
        flv_param TEXT,
        hls_param TEXT,
        mp4_param TEXT,
        aac_param TEXT,
        mp3_param TEXT,
        hls_special_param TEXT,
        flv_special_param TEXT,
        remove_watermark INTEGER NOT NULL DEFAULT 0,
        cos_store INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX record_templates_by_app ON record_templates(app_id, id);
      CREATE TABLE record_rules (
        domain_name TEXT NOT NULL REFERENCES domains(name) ON DELETE CASCADE,
        app_name TEXT NOT NULL,
        stream_name TEXT NOT NULL,
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        template_id INTEGER NOT NULL REFERENCES record_templates(id),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (domain_name, app_name, stream_name)
      );
      CREATE INDEX record_rules_by_template ON record_rules(template_id);
      CREATE INDEX record_rules_by_app ON record_rules(app_id);
    `,
  },
  {
    id: 5,
    name: 'moderation results',
    sql: `
      CREATE TABLE moderation_results (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        domain_name TEXT NOT NULL,
        app_name TEXT NOT NULL,
        stream_name TEXT NOT NULL,
        pic_url TEXT NOT NULL,
        suggestion TEXT NOT NULL,
        label TEXT NOT NULL,
        sub_label TEXT NOT NULL,
        score INTEGER NOT NULL,
        label_results TEXT NOT NULL,
        screenshot_at INTEGER NOT NULL
      );
      CREATE INDEX moderation_results_by_app ON moderation_results(app_id, screenshot_at);
    `,
  },
  {
    id: 6,
    name: 'push sessions and instance leases',
    sql: `
      CREATE TABLE push_sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        app_id INTEGER NOT NULL REFERENCES accounts(app_id),
        domain_name TEXT NOT NULL,
        app_name TEXT NOT NULL,
        stream_name TEXT NOT NULL,
        sequence TEXT NOT NULL,
        source TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        client_ip TEXT NOT NULL DEFAULT '',
        node TEXT NOT NULL DEFAULT '',
        stream_param TEXT NOT NULL DEFAULT '',
        width INTEGER NOT NULL DEFAULT 0,
        height INTEGER NOT NULL DEFAULT 0,
        video_codec TEXT NOT NULL DEFAULT '',
        audio_codec TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL,
        admitted_at INTEGER NOT NULL,
        started_at INTEGER,
        last_seen_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_errcode INTEGER,
        end_errmsg TEXT
      );
      CREATE UNIQUE INDEX push_sessions_one_live ON push_sessions(app_id, domain_name, app_name, stream_name) WHERE ended_at IS NULL;
      CREATE INDEX push_sessions_by_instance ON push_sessions(instance_id) WHERE ended_at IS NULL;
      CREATE INDEX push_sessions_by_app_time ON push_sessions(app_id, admitted_at);
      CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL DEFAULT '',
        pid INTEGER NOT NULL DEFAULT 0,
        started_at INTEGER NOT NULL,
        lease_until INTEGER NOT NULL
      );
    `,
  },
  {
    id: 7,
    name: 'request signatures seen (API replay guard)',
    sql: `
      CREATE TABLE request_signatures (
        signature TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX request_signatures_by_expiry ON request_signatures(expires_at);
    `,
  },
  {
    id: 8,
    name: 'remote push authentication per domain',
    sql: `
      ALTER TABLE domains ADD COLUMN remote_auth_enable INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE domains ADD COLUMN remote_auth_url TEXT NOT NULL DEFAULT '';
      ALTER TABLE domains ADD COLUMN remote_auth_timeout_ms INTEGER NOT NULL DEFAULT 3000;
      ALTER TABLE domains ADD COLUMN remote_auth_retries INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE domains ADD COLUMN remote_auth_on_failure TEXT NOT NULL DEFAULT 'allow';
    `,
  },
  {
    id: 9,
    name: 'indexes for stream history: callback records by stream, ended push sessions by end time',
    sql: `
      CREATE INDEX events_by_stream ON events(app_id, stream, created_at);
      CREATE INDEX push_sessions_by_end ON push_sessions(ended_at) WHERE ended_at IS NOT NULL;
    `,
  },
  {
    id: 10,
    name: 'claims look only at deliveries nobody holds, or whose lease ran out',
    sql: `
      CREATE INDEX deliveries_free_due ON deliveries(next_attempt_at, id) WHERE lease_until = 0;
      CREATE INDEX deliveries_leased ON deliveries(lease_until) WHERE lease_until > 0;
      DROP INDEX deliveries_due;
    `,
  },
];
