/**
 * Instance liveness and recovery (docs/live-state.md). This process holds a lease row in
 * `instances`, renewed on every beat together with the last-seen time of the pushes it holds.
 * On the same beat every instance sweeps: it claims the instances whose lease ran out (only one
 * claimer can delete a row) and ends the live sessions that no instance owns any more with event 0
 * (errcode 9), push_duration up to their last-seen time. Ending is conditional on the row, so two
 * sweepers that meet on the same orphan still write one event 0.
 * SQLite has one process per file: at start-up every other instance row is a previous life of
 * this one, claimed at once, and the sessions it left open are ended the same way.
 */
import os from 'node:os';
import type { Logger } from 'pino';
import type { Store } from '../store/database.js';
import { claimExpiredInstances, claimOtherInstances, deleteInstance, registerInstance, renewInstanceLease } from '../store/instances.js';
import { orphanedPushSessions } from '../store/push-sessions.js';
import type { PushSessions } from './push-sessions.js';

/** Orphaned sessions ended per sweep statement (a sweep repeats until none is left). */
const SWEEP_BATCH = 200;

/** Beats per lease: a lease survives a few missed beats (a slow database, a long GC pause). */
const BEATS_PER_LEASE = 6;
const MAX_BEAT_MS = 5_000;

export class InstanceLease {
  readonly #store: Store;
  readonly #pushes: PushSessions;
  readonly #log: Logger;
  readonly #leaseMs: number;
  readonly #beatMs: number;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;

  constructor(options: { store: Store; pushes: PushSessions; leaseMs: number; log: Logger }) {
    this.#store = options.store;
    this.#pushes = options.pushes;
    this.#log = options.log;
    this.#leaseMs = options.leaseMs;
    this.#beatMs = Math.min(MAX_BEAT_MS, Math.max(100, Math.floor(options.leaseMs / BEATS_PER_LEASE)));
  }

  get id(): string {
    return this.#pushes.instanceId;
  }

  /** Registers this instance, recovers what dead ones left, and starts beating. */
  async start(): Promise<void> {
    const now = Date.now();
    await registerInstance(this.#store.db, { id: this.id, host: os.hostname(), pid: process.pid, startedAt: now, leaseUntil: now + this.#leaseMs });
    if (this.#store.backend === 'sqlite') {
      const previous = await claimOtherInstances(this.#store.db, this.id);
      if (previous.length > 0) this.#log.info({ instances: previous }, 'previous process of this data dir claimed: ending the pushes it left open');
    }
    await this.#sweep(now);
    this.#timer = setInterval(() => void this.beat(), this.#beatMs);
    this.#timer.unref();
  }

  /** One beat: renew the lease, refresh the held pushes, sweep. Errors are logged; the next beat tries again. */
  beat(): Promise<void> {
    return (this.#beating ??= this.#beat().finally(() => (this.#beating = undefined)));
  }

  async #beat(): Promise<void> {
    const now = Date.now();
    try {
      if (!(await renewInstanceLease(this.#store.db, this.id, now + this.#leaseMs))) {
        // Our lease ran out (the database was unreachable too long) and another instance claimed it,
        // ending our pushes: register again; heartbeat() closes the publishers of those pushes.
        this.#log.warn({ instance: this.id }, 'this instance was taken for dead and its pushes were ended elsewhere; registering again');
        await registerInstance(this.#store.db, { id: this.id, host: os.hostname(), pid: process.pid, startedAt: now, leaseUntil: now + this.#leaseMs });
      }
      await this.#pushes.heartbeat(now);
      await this.#sweep(now);
    } catch (rawError) {
      this.#log.error({ err: rawError }, 'instance heartbeat failed');
    }
  }

  async #sweep(now: number): Promise<void> {
    const claimed = await claimExpiredInstances(this.#store.db, now);
    if (claimed.length > 0) this.#log.warn({ instances: claimed }, 'instances whose lease ran out claimed: ending their pushes');
    for (;;) {
      const orphans = await orphanedPushSessions(this.#store.db, SWEEP_BATCH);
      if (orphans.length === 0) return;
      const ended = await Promise.all(orphans.map((row) => this.#pushes.recover(row)));
      this.#log.info({ sessions: orphans.length, ended: ended.filter(Boolean).length }, 'pushes of dead instances ended');
      // Another sweeper took them all at the same moment, or the store refused: next beat.
      if (!ended.some(Boolean)) return;
    }
  }

  /** Stops beating and gives the lease up (a clean shutdown has ended its pushes already). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#beating;
    try {
      await deleteInstance(this.#store.db, this.id);
    } catch (rawError) {
      // The row expires by itself; a survivor (or the next start on SQLite) claims it.
      this.#log.warn({ err: rawError }, 'could not give the instance lease up');
    }
  }
}
