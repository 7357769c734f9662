/**
 * The main thread's side of one ingest worker's life (./ingest-protocol.ts): admits its publishes
 * through PushSessions, turns what it reports into push starts, ends and 321 reports, passes
 * livehook's own ends to it, and keeps the meter readings it sends. When the worker is gone,
 * `abandon` ends every push it held, so each gets its event 0.
 */
import type { Worker } from 'node:worker_threads';
import type { PushEnd } from './end-reasons.js';
import type { AdmissionDecision, FromIngest, PublishAsk, PushFinal, ToIngest } from './ingest-protocol.js';
import type { PushSession, PushSessions } from './push-sessions.js';
import type { MeterReading } from './stream-meter.js';

export class IngestLink {
  readonly #worker: Worker;
  readonly #sessions: PushSessions;
  /** The worker's admitted pushes, by push id (their row id). */
  readonly #held = new Map<number, PushSession>();
  readonly #idleAsks = new Map<number, (ms: number) => void>();
  #nextRequestId = 1;
  #readings = new Map<string, MeterReading>();
  #gone = false;

  constructor(worker: Worker, sessions: PushSessions) {
    this.#worker = worker;
    this.#sessions = sessions;
  }

  /** Pushes this worker holds. */
  get held(): number {
    return this.#held.size;
  }

  reading(sequence: string): MeterReading | undefined {
    return this.#readings.get(sequence);
  }

  /** One message about pushes from the worker (its lifecycle messages are the supervisor's). */
  handle(message: Exclude<FromIngest, { type: 'listening' | 'listen-failed' | 'stopped' | 'pong' }>): void {
    switch (message.type) {
      case 'admit':
        return void this.#admit(message.requestId, message.publish);
      case 'started':
        return this.#withPush(message.pushId, (session) => this.#sessions.started(session, { width: message.width, height: message.height }));
      case 'ended':
        return this.#ended(message.pushId, message.reason, message.final);
      case 'forget':
        return this.#withPush(message.pushId, (session) => {
          this.#held.delete(message.pushId);
          this.#sessions.forget(session);
        });
      case 'anomalies':
        return this.#withPush(message.pushId, (session) => this.#sessions.pushException(session, message.report));
      case 'meters':
        this.#readings = new Map(message.readings);
        return;
      case 'idle':
        this.#idleAsks.get(message.requestId)?.(message.ms);
        this.#idleAsks.delete(message.requestId);
        return;
    }
  }

  /** The worker is gone: every push it held ends now, with `reason`. */
  abandon(reason: PushEnd): void {
    this.#gone = true;
    for (const session of this.#held.values()) void this.#sessions.ended(session, reason);
    this.#held.clear();
    this.#readings.clear();
    for (const answer of this.#idleAsks.values()) answer(Number.POSITIVE_INFINITY);
    this.#idleAsks.clear();
  }

  #post(message: ToIngest): void {
    if (!this.#gone) this.#worker.postMessage(message);
  }

  #withPush(pushId: number, act: (session: PushSession) => unknown): void {
    const session = this.#held.get(pushId);
    if (session) act(session);
  }

  async #admit(requestId: number, publish: PublishAsk): Promise<void> {
    // The push id is known once admitted; PushSessions may call kick or idleMs only after that.
    let pushId = 0;
    let decision: AdmissionDecision;
    try {
      const admission = await this.#sessions.admit({
        source: 'rtmp',
        ...publish,
        kick: () => this.#kick(pushId),
        idleMs: () => this.#askIdle(pushId),
      });
      if (!admission.ok) decision = { ok: false };
      else {
        const { session } = admission;
        pushId = session.id;
        // The worker died while this was decided, or livehook already ended the push.
        if (this.#gone || session.state === 'ended') {
          this.#sessions.forget(session);
          decision = { ok: false };
        } else {
          this.#held.set(pushId, session);
          decision = { ok: true, pushId, sequence: session.context.sequence, domain: session.context.domain };
        }
      }
    } catch (error) {
      decision = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    this.#post({ type: 'admission', requestId, decision });
  }

  /** livehook ends the push (PushSessions has set its end reason): the worker closes its connection. */
  #kick(pushId: number): void {
    const session = this.#held.get(pushId);
    if (!session) return;
    // Its end is written now, before the worker's report of it: with the codecs measured so far.
    const reading = this.#readings.get(session.context.sequence);
    if (reading) {
      session.videoCodec = reading.videoCodec;
      session.audioCodec = reading.audioCodec;
    }
    this.#post({ type: 'end', pushId, reason: session.endReason });
  }

  #askIdle(pushId: number): Promise<number> {
    if (this.#gone) return Promise.resolve(Number.POSITIVE_INFINITY);
    const requestId = this.#nextRequestId++;
    return new Promise((resolve) => {
      this.#idleAsks.set(requestId, resolve);
      this.#post({ type: 'idle?', requestId, pushId });
    });
  }

  #ended(pushId: number, reason: PushEnd, final: PushFinal): void {
    const session = this.#held.get(pushId);
    if (!session) return;
    this.#held.delete(pushId);
    this.#readings.delete(session.context.sequence);
    if (final.width > 0) {
      session.width = final.width;
      session.height = final.height;
    }
    session.videoCodec = final.videoCodec || session.videoCodec;
    session.audioCodec = final.audioCodec || session.audioCodec;
    void this.#sessions.ended(session, reason);
  }
}
