/**
 * The dispatcher: claims due deliveries from the outbox, POSTs them, and records each attempt.
 *
 * Trade-off: throughput through batching. Claims take up to `claimBatch` rows at once; finished
 * attempts are buffered and written by one recorder in a single transaction per flush, so the
 * database sees a few set-based statements per batch instead of several per event.
 *
 * Modes: RUNNING (claim while there is capacity; when nothing more is due, wait for a wake-up:
 * an enqueue, a finished attempt, a recorder flush, the next due time or the idle poll), DRAINING
 * (no new claims; in-flight attempts may finish until the deadline, then are aborted and their
 * deliveries released), STOPPED.
 *
 * Invariant: every claimed delivery ends recorded (delivered / retry / failed) or released.
 *
 * Isolation: each host has at most `perHostConcurrency` attempts in flight; claimed rows beyond
 * that wait in the host's own local queue. A sender that keeps that cap itself (the sender thread)
 * is handed a host's rows at once and queues them there, so that the time an attempt spends
 * passing between threads does not hold one of the receiver's slots. A host holding
 * `perHostConcurrency × HOST_QUEUE_FACTOR` claimed rows is left out of claims until half of them
 * are done, so a receiver that never answers holds a bounded number of rows and slots, and claims
 * keep flowing to everyone else.
 * Claims are made in batches, only when a whole batch fits under `maxClaimed`: one claim per
 * batch, not one per finished attempt.
 *
 * Leases: every claimed row not yet attempted to the end (queued in a lane or in flight) has its
 * lease renewed every third of `leaseMs`, so a row that waits long in a slow host's queue is never
 * taken by another claim while this process still means to send it.
 */
import type { Logger } from 'pino';
import type { CallbackSender, SentAttempt } from './callback-sender.js';
import type { CallbackResult } from './http-client.js';
import type { AttemptOutcome, AttemptVerdict, ClaimedDelivery, Outbox } from './outbox.js';
import { targetHostOf } from './outbox-sql.js';
import { nextDelay, type RetrySchedule } from './retry.js';

export interface DispatcherOptions {
  readonly outbox: Outbox;
  /** Signs and posts each attempt (callback-sender.ts). */
  readonly sender: CallbackSender;
  readonly log: Logger;
  readonly schedule: RetrySchedule;
  /** Multiplies every retry delay (tests compress the schedule with it). Default 1. */
  readonly retryDelayScale?: number;
  /** How long a claim is leased: longer than the HTTP timeout, so a live attempt never loses it. */
  readonly leaseMs: number;
  /** Claimed rows (in flight or waiting in a host queue) at most. */
  readonly maxClaimed?: number;
  readonly perHostConcurrency?: number;
  readonly claimBatch?: number;
  /** Safety net: look for due work at least this often even without a wake-up. */
  readonly idlePollMs?: number;
  /** Called after each batch of attempts is recorded (metrics). Errors are logged, never thrown. */
  readonly onRecorded?: (outcomes: readonly AttemptOutcome[]) => void;
}

export const DEFAULT_MAX_CLAIMED = 4096;
export const DEFAULT_PER_HOST_CONCURRENCY = 16;
export const DEFAULT_CLAIM_BATCH = 512;
export const DEFAULT_IDLE_POLL_MS = 1000;
/** A flush waits for this many outcomes, or RECORD_DELAY_MS, whichever comes first. */
export const RECORD_BATCH = 256;
export const RECORD_DELAY_MS = 10;
/** A host may hold this many times its concurrency in claimed rows before claims skip it. */
export const HOST_QUEUE_FACTOR = 8;

type Mode = 'idle' | 'running' | 'draining' | 'stopped';

interface HostLane {
  active: number;
  readonly queue: ClaimedDelivery[];
}

export class Dispatcher {
  readonly #o: Required<Omit<DispatcherOptions, 'onRecorded'>> & Pick<DispatcherOptions, 'onRecorded'>;
  readonly #hostLimit: number;
  /** Attempts launched per host at once: the cap itself, or the host's whole share when the sender keeps the cap. */
  readonly #launchLimit: number;
  #mode: Mode = 'idle';
  #loop: Promise<void> | undefined;
  #wakeSignal: (() => void) | undefined;
  #woken = false;
  #claims = 0;
  /** When the current loop turn started (the `now` its claim used). */
  #turnAt = 0;
  readonly #lanes = new Map<string, HostLane>();
  readonly #attempts = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #pending: AttemptOutcome[] = [];
  #flushing: Promise<void> | undefined;
  /** Ends the wait of a flush that is gathering outcomes. */
  #recordNow: (() => void) | undefined;
  /** Ids of claimed rows whose attempt has not finished: the leases to renew; their count is what maxClaimed caps. */
  readonly #held = new Set<number>();
  #renewTimer: NodeJS.Timeout | undefined;

  constructor(options: DispatcherOptions) {
    this.#o = {
      retryDelayScale: 1,
      maxClaimed: DEFAULT_MAX_CLAIMED,
      perHostConcurrency: DEFAULT_PER_HOST_CONCURRENCY,
      claimBatch: DEFAULT_CLAIM_BATCH,
      idlePollMs: DEFAULT_IDLE_POLL_MS,
      ...options,
    };
    this.#hostLimit = this.#o.perHostConcurrency * HOST_QUEUE_FACTOR;
    this.#launchLimit = this.#o.sender.perHostConcurrency === undefined ? this.#o.perHostConcurrency : this.#hostLimit;
  }

  get inFlight(): number {
    return this.#attempts.size;
  }

  get claimed(): number {
    return this.#held.size;
  }

  /** Claim queries made so far (a cost figure for benchmarks and tests). */
  get claims(): number {
    return this.#claims;
  }

  get running(): boolean {
    return this.#mode === 'running';
  }

  start(): void {
    if (this.#mode !== 'idle') return;
    this.#mode = 'running';
    this.#renewTimer = setInterval(() => void this.#renewLeases(), Math.max(1, Math.floor(this.#o.leaseMs / 3)));
    this.#renewTimer.unref();
    this.#loop = this.#run().catch((rawError: unknown) => {
      this.#o.log.fatal({ err: rawError }, 'dispatcher loop died');
      this.#mode = 'stopped';
    });
  }

  /**
   * New deliveries were stored for these callback URLs. A claim now could only find rows of hosts
   * with room: when every URL's host is saturated, the claim (which excludes saturated hosts) would
   * walk the whole backlog for nothing, so the wake is left to that host draining.
   */
  enqueued(urls: readonly string[]): void {
    for (const url of urls) {
      const lane = this.#lanes.get(targetHostOf(url));
      if (!lane || lane.active + lane.queue.length < this.#hostLimit) return this.wake();
    }
  }

  /** Something may have become due (an enqueue, a resend). Cheap; call freely. */
  wake(): void {
    this.#woken = true;
    this.#wakeSignal?.();
  }

  async stop(deadlineMs: number): Promise<void> {
    if (this.#mode === 'stopped' || this.#mode === 'idle') {
      this.#mode = 'stopped';
      return;
    }
    this.#mode = 'draining';
    this.wake();
    await this.#loop;
    // Rows still waiting in host queues were never attempted: give them back now.
    const waiting = [...this.#lanes.values()].flatMap((lane) => lane.queue.splice(0));
    for (const d of waiting) this.#held.delete(d.id);
    await this.#o.outbox.release(waiting.map((d) => d.id));
    const timedOut = await Promise.race([
      Promise.all(this.#attempts).then(() => false),
      new Promise<boolean>((resolve) => setTimeout(resolve, deadlineMs, true).unref()),
    ]);
    if (timedOut) {
      this.#abort.abort(new Error('livehook is shutting down'));
      await Promise.all(this.#attempts);
    }
    await this.#flush();
    clearInterval(this.#renewTimer);
    this.#mode = 'stopped';
  }

  async #renewLeases(): Promise<void> {
    if (this.#held.size === 0) return;
    const now = Date.now();
    try {
      await this.#o.outbox.renew([...this.#held], now + this.#o.leaseMs, now);
    } catch (rawError) {
      // The next renewal (a third of a lease later) tries again; only if every one fails does a
      // lease run out, and then the cost is a duplicate attempt, never a lost event.
      this.#o.log.warn({ err: rawError, held: this.#held.size }, 'renewing leases failed');
    }
  }

  async #run(): Promise<void> {
    while (this.#mode === 'running') {
      try {
        if (await this.#claimTurn()) continue;
        await this.#waitForWork();
      } catch (rawError) {
        // The store is unreachable (e.g. a PostgreSQL restart): what we hold stays leased and is
        // renewed or reclaimed later; keep trying at the idle-poll pace rather than stop for good.
        this.#o.log.error({ err: rawError }, 'claiming deliveries failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, this.#o.idlePollMs));
      }
    }
  }

  /** One claim if a batch fits; true when it filled the batch, so more is probably due. */
  async #claimTurn(): Promise<boolean> {
    this.#woken = false;
    this.#turnAt = Date.now();
    const batch = this.#o.claimBatch;
    if (this.#held.size + batch > this.#o.maxClaimed) return false;
    const saturated = [...this.#lanes].filter(([, lane]) => lane.active + lane.queue.length >= this.#hostLimit).map(([host]) => host);
    this.#claims++;
    const rows = await this.#o.outbox.claimDue({ now: this.#turnAt, limit: batch, leaseMs: this.#o.leaseMs, excludeHosts: saturated });
    for (const delivery of rows) this.#admit(delivery);
    return rows.length === batch;
  }

  async #waitForWork(): Promise<void> {
    if (this.#woken || this.#mode !== 'running') return;
    const due = await this.#o.outbox.nextDueAt();
    const now = Date.now();
    // Work that is due but unclaimable (waiting on its session or a saturated host) is released by
    // a flush or a host draining, both of which wake us; the idle poll is only a safety net.
    // Due after this turn's claim looked (timers may fire a millisecond early): claim again now.
    const dueSinceClaim = due !== undefined && due <= now && due > this.#turnAt;
    const waitMs = due !== undefined && due > now ? Math.min(due - now, this.#o.idlePollMs) : dueSinceClaim ? 0 : this.#o.idlePollMs;
    if (this.#woken || this.#mode !== 'running') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      this.#wakeSignal = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wakeSignal = undefined;
  }

  #admit(delivery: ClaimedDelivery): void {
    this.#held.add(delivery.id);
    let lane = this.#lanes.get(delivery.targetHost);
    if (!lane) this.#lanes.set(delivery.targetHost, (lane = { active: 0, queue: [] }));
    if (lane.active < this.#launchLimit) this.#launch(delivery, lane);
    else lane.queue.push(delivery);
  }

  #launch(delivery: ClaimedDelivery, lane: HostLane): void {
    lane.active++;
    const attempt: Promise<void> = this.#attempt(delivery).finally(() => {
      this.#attempts.delete(attempt);
      this.#held.delete(delivery.id);
      lane.active--;
      const next = this.#mode === 'running' ? lane.queue.shift() : undefined;
      if (next) this.#launch(next, lane);
      else if (lane.active === 0 && lane.queue.length === 0) this.#lanes.delete(delivery.targetHost);
      // Claim again only when it can pay off: a saturated host just got room, or a batch fits.
      const held = lane.active + lane.queue.length;
      if (held === Math.floor(this.#hostLimit / 2) || this.#held.size + this.#o.claimBatch === this.#o.maxClaimed) this.wake();
    });
    this.#attempts.add(attempt);
  }

  async #attempt(delivery: ClaimedDelivery): Promise<void> {
    const { url, targetHost: host, payload, callbackKey, webhookId } = delivery;
    let sent: SentAttempt;
    try {
      sent = await this.#o.sender.send({ url, host, payload, callbackKey, webhookId }, this.#abort.signal);
    } catch (rawError) {
      // Aborted at shutdown: not a failed delivery. Give the row back for the next start.
      this.#o.log.debug({ err: rawError, deliveryId: delivery.id }, 'attempt aborted; releasing');
      await this.#o.outbox.release([delivery.id]);
      return;
    }
    const { startedAt, result } = sent;
    this.#pending.push({ delivery, startedAt, result, verdict: this.#verdict(delivery, result) });
    void this.#flush();
  }

  #verdict(delivery: ClaimedDelivery, result: CallbackResult): AttemptVerdict {
    if (result.ok) return { kind: 'delivered' };
    const delay = nextDelay({
      schedule: this.#o.schedule,
      eventType: delivery.eventType,
      attempt: delivery.attempts + 1,
      failure: result,
      retryAfterSeconds: result.retryAfterSeconds,
    });
    if (delay === null) return { kind: 'failed' };
    return { kind: 'retry', at: Date.now() + Math.round(delay * this.#o.retryDelayScale) };
  }

  /**
   * One writer: outcomes that arrive during a flush go in the next one, and a flush first waits
   * (see below) so that outcomes arriving close together share one transaction.
   */
  #flush(): Promise<void> {
    this.#flushing ??= (async () => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RECORD_DELAY_MS);
        this.#recordNow = () => {
          clearTimeout(timer);
          setImmediate(resolve);
        };
      });
      this.#recordNow = undefined;
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        try {
          await this.#o.outbox.record(batch, Date.now());
        } catch (rawError) {
          // The leases are still held; after they expire the deliveries are claimed again, so a
          // failed write costs a duplicate attempt, never a lost event.
          this.#o.log.error({ err: rawError, count: batch.length }, 'recording attempts failed');
          continue;
        }
        this.#notify(batch);
        // A finished session head un-parks its successor. Claiming is pointless while every host
        // we hold rows for is saturated (the host draining wakes us then), so only wake otherwise.
        const unparked = batch.some((o) => o.verdict.kind !== 'retry' && o.delivery.orderKey !== null);
        // A recorded retry may be due before the loop's current sleep ends (which was computed
        // while the row was leased): wake so that the next due time is looked up again.
        const retried = batch.some((o) => o.verdict.kind === 'retry');
        if ((unparked && !this.#allLanesSaturated()) || retried) this.wake();
      }
    })().finally(() => (this.#flushing = undefined));
    // Each recording is one transaction whose commit costs far more than its rows: while other
    // attempts are still out, let their outcomes gather (bounded in rows and time) to share it.
    // The caller's own attempt is still counted in #attempts.
    if (this.#pending.length >= RECORD_BATCH || this.#attempts.size <= 1 || this.#mode !== 'running') this.#recordNow?.();
    return this.#flushing;
  }

  #allLanesSaturated(): boolean {
    if (this.#lanes.size === 0) return false;
    for (const lane of this.#lanes.values()) if (lane.active + lane.queue.length < this.#hostLimit) return false;
    return true;
  }

  #notify(batch: readonly AttemptOutcome[]): void {
    try {
      this.#o.onRecorded?.(batch);
    } catch (rawError) {
      this.#o.log.error({ err: rawError }, 'delivery observer failed; deliveries continue');
    }
  }
}
