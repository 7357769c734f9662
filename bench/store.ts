/**
 * The store's share of the work, apart from HTTP: what an event costs going through the outbox
 * (enqueue in a batch, claim, record as delivered) and what a push session's three row changes
 * cost (admission insert, start, end), in CPU per unit on SQLite, against the ceiling measured in
 * the same run: the same event rows written with one prepared better-sqlite3 insert per batch,
 * no Kysely, no delivery rows, nothing else.
 *
 * Each round enqueues 8 batches of 15 push sessions' events 1 and 0 (as concurrent hooks do, a
 * commit per batch), then claims what is due and records it as delivered in batches of 30, twice
 * (each event 0 is parked behind its event 1): about the proportions bench/hooks.ts shows (a claim
 * per 120 events, a commit per 30). Push sessions go 100 at a time, as a turn's admissions do:
 * one admission statement, then their starts, then their ends, in one transaction. No receiver,
 * no HTTP: bench/delivery.ts and bench/hooks.ts measure those.
 *
 * Usage: npx tsx bench/store.ts [--rounds 30] [--sessions 3000] [--repeat 5]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { insertAccount } from '../src/store/accounts.js';
import { openStore } from '../src/store/database.js';
import { registerInstance } from '../src/store/instances.js';
import { insertAdmittedPushSessions, markPushSessionsEnded, markPushSessionsStarted } from '../src/store/push-sessions.js';
import { openOutbox } from '../src/delivery/open-outbox.js';
import type { NewEvent } from '../src/delivery/outbox.js';
import { newWebhookId } from '../src/events/emit.js';
import { fmt, loadNote, pushStartEvent } from './lib.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '30' },
    sessions: { type: 'string', default: '3000' },
    repeat: { type: 'string', default: '5' },
  },
});
const ROUNDS = Number(values.rounds);
const SESSIONS = Number(values.sessions);
const REPEAT = Number(values.repeat);
const PER_ROUND = 15;
const BATCHES_PER_ROUND = 8;
const WARMUP_PASSES = 2;
const APP_ID = 1;
const INSTANCE = 'bench-store';
const DOMAIN = 'push.store-bench.example.com';
const PAYLOAD = JSON.stringify(pushStartEvent(DOMAIN).payload);

const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

const eventOf = (session: number, eventType: number): NewEvent => ({
  webhookId: newWebhookId(),
  appId: APP_ID,
  domain: DOMAIN,
  appName: 'live',
  stream: `s${session}`,
  eventType,
  sequence: String(session),
  payload: PAYLOAD,
  templateId: 1,
  url: 'http://127.0.0.1:9/callback',
  callbackKey: 'benchStoreKey',
  orderKey: `${APP_ID}:${session}`,
  status: 'pending',
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-bench-store-'));
try {
  console.log(`# bench/store: SQLite (WAL, synchronous=NORMAL) in ${os.tmpdir()}; ${loadNote()}`);
  // As the server opens it: WAL checkpoints on their own thread.
  const store = await openStore(`sqlite:${path.join(dir, 'livehook.db')}`, { backgroundCheckpoints: true });
  const outbox = await openOutbox(store);
  await insertAccount(store.db, APP_ID, 'bench');
  await registerInstance(store.db, { id: INSTANCE, host: 'bench', pid: process.pid, startedAt: Date.now(), leaseUntil: Date.now() + 3_600_000 });

  // Ceiling: the same events rows, one prepared multi-row insert per batch, one transaction each.
  const bare = new SQLite(path.join(dir, 'bare.db'));
  bare.pragma('journal_mode = WAL');
  bare.pragma('synchronous = NORMAL');
  bare.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, webhook_id TEXT NOT NULL UNIQUE, app_id INTEGER NOT NULL,
    domain TEXT NOT NULL, app_name TEXT NOT NULL, stream TEXT NOT NULL, event_type INTEGER NOT NULL, sequence TEXT NOT NULL,
    payload TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  const columns = 9;
  const bareInsert = bare.prepare(`INSERT INTO events (webhook_id, app_id, domain, app_name, stream, event_type, sequence, payload, created_at) VALUES ${Array.from({ length: PER_ROUND * 2 }, () => `(${Array(columns).fill('?').join(', ')})`).join(', ')}`);
  const bareBatch = bare.transaction((events: NewEvent[], now: number) =>
    bareInsert.run(events.flatMap((e) => [e.webhookId, e.appId, e.domain, e.appName, e.stream, e.eventType, e.sequence, e.payload, now])),
  );

  let session = 0;
  const batch = (): NewEvent[] => {
    const events: NewEvent[] = [];
    for (let i = 0; i < PER_ROUND; i++, session++) events.push(eventOf(session, 1), eventOf(session, 0));
    return events;
  };
  const outboxRound = async (): Promise<void> => {
    for (let b = 0; b < BATCHES_PER_ROUND; b++) await outbox.enqueue(batch());
    for (let pass = 0; pass < 2; pass++) {
      const claimed = await outbox.claimDue({ now: Date.now(), limit: 1000, leaseMs: 30_000, excludeHosts: [] });
      for (let first = 0; first < claimed.length; first += PER_ROUND * 2) {
        const now = Date.now();
        const delivered = claimed.slice(first, first + PER_ROUND * 2);
        await outbox.record(
          delivered.map((delivery) => ({ delivery, startedAt: now, result: { ok: true as const, status: 200, latencyMs: 1, responseExcerpt: '{"code":0}' }, verdict: { kind: 'delivered' as const } })),
          now,
        );
      }
    }
  };
  const sessionsRun = async (n: number): Promise<void> => {
    for (let first = 0; first < n; first += 100) {
      // As under load: a turn's admissions in one statement, then their starts, then their ends.
      const at = Date.now();
      const rows = Array.from({ length: Math.min(100, n - first) }, () => {
        const s = session++;
        return { app_id: APP_ID, domain_name: DOMAIN, app_name: 'live', stream_name: `p${s}`, sequence: String(s), source: 'srs' as const, instance_id: INSTANCE, client_ip: '127.0.0.1', node: '127.0.0.1', stream_param: 'txSecret=x&txTime=y', admitted_at: at, last_seen_at: at };
      });
      await store.db.transaction().execute(async (trx) => {
        const ids = await insertAdmittedPushSessions(trx, rows);
        if (ids.includes(undefined)) throw new Error('admission refused: the bench reuses a stream name');
        await markPushSessionsStarted(trx, ids.map((id) => ({ id: id!, startedAt: at, width: 0, height: 0 })));
        await markPushSessionsEnded(trx, ids.map((id) => ({ id: id!, endedAt: at, errcode: 0, errmsg: 'ok', width: 0, height: 0 })));
      });
    }
  };

  const rows: { outbox: number; bare: number; sessions: number }[] = [];
  for (let r = 1 - WARMUP_PASSES; r <= REPEAT; r++) {
    let t = cpuMicros();
    for (let i = 0; i < ROUNDS; i++) await outboxRound();
    const outboxMicros = (cpuMicros() - t) / (ROUNDS * BATCHES_PER_ROUND * PER_ROUND * 2);
    t = cpuMicros();
    for (let i = 0; i < ROUNDS * BATCHES_PER_ROUND; i++) bareBatch(batch(), Date.now());
    const bareMicros = (cpuMicros() - t) / (ROUNDS * BATCHES_PER_ROUND * PER_ROUND * 2);
    t = cpuMicros();
    await sessionsRun(SESSIONS);
    const sessionMicros = (cpuMicros() - t) / SESSIONS;
    // Warm-up passes (JIT, statement caches, page cache) are not counted.
    if (r <= 0) continue;
    rows.push({ outbox: outboxMicros, bare: bareMicros, sessions: sessionMicros });
    console.log(
      `pass ${r}: outbox ${fmt(outboxMicros, 1)} µs CPU per event (bare insert ${fmt(bareMicros, 1)} µs = ${fmt(outboxMicros / bareMicros, 1)}×); ` +
        `push session admit + start + end ${fmt(sessionMicros, 1)} µs`,
    );
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const o = median(rows.map((x) => x.outbox));
  const b = median(rows.map((x) => x.bare));
  console.log(
    `median of ${REPEAT}: outbox ${fmt(o, 1)} µs per event = ${fmt(o / b, 1)}× the bare insert of its row (${fmt(b, 1)} µs); ` +
      `push session ${fmt(median(rows.map((x) => x.sessions)), 1)} µs; ${loadNote()}`,
  );
  bare.close();
  await store.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
