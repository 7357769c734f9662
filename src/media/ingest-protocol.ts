/**
 * Messages between the main thread and the embedded RTMP ingest's worker thread
 * (docs/rtmp-ingest.md, "The ingest runs in a worker thread"). Types only.
 *
 * The worker owns the sockets and every byte parsed from them; the main thread owns push
 * sessions (admission, events, the store). Few messages cross: per push an admission and its
 * decision, its start and its end, a 321 report for each 5 s interval that had a problem, one
 * message a second with the meter readings of every live push, and the watchdog's ping and pong
 * each second. The worker writes its own log lines.
 */
import type { MessagePort } from 'node:worker_threads';
import type { PushEnd } from './end-reasons.js';
import type { AnomalyReport } from './push-anomalies.js';
import type { PublishRequest } from './push-sessions.js';
import type { IngestLimits } from './rtmp/connection-limits.js';
import type { MeterReading } from './stream-meter.js';

export interface IngestWorkerData {
  readonly host: string;
  readonly port: number;
  readonly limits: IngestLimits;
  readonly log: {
    readonly level: string;
    /** The supervisor's log bindings (service, part 'rtmp'): the worker's lines carry them too. */
    readonly bindings: Record<string, unknown>;
    /** Where to send log lines when the main logger is not stdout (an embedder's or a test's); else stdout. */
    readonly lines?: MessagePort;
  };
}

/** A publish as the worker read it from its connection: what admission needs. */
export type PublishAsk = Pick<PublishRequest, 'host' | 'app' | 'stream' | 'rawQuery' | 'clientIp' | 'node'>;

export type AdmissionDecision =
  /** `pushId` names the push in later messages (its push_sessions row id). */
  | { readonly ok: true; readonly pushId: number; readonly sequence: string; readonly domain: string }
  /** Refused (logged in the main thread with the reason), or `error`: admission itself failed. */
  | { readonly ok: false; readonly error?: string };

/** What the worker measured of a push by its end. */
export interface PushFinal {
  readonly width: number;
  readonly height: number;
  /** '' when unknown. */
  readonly videoCodec: string;
  readonly audioCodec: string;
}

export type FromIngest =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'listen-failed'; readonly message: string }
  | { readonly type: 'admit'; readonly requestId: number; readonly publish: PublishAsk }
  | { readonly type: 'started'; readonly pushId: number; readonly width: number; readonly height: number }
  | { readonly type: 'ended'; readonly pushId: number; readonly reason: PushEnd; readonly final: PushFinal }
  /** Admitted, but never started (the connection closed first): no events. */
  | { readonly type: 'forget'; readonly pushId: number }
  | { readonly type: 'anomalies'; readonly pushId: number; readonly report: AnomalyReport }
  /** Every live push's figures, by sequence; sent each second while any push is live. */
  | { readonly type: 'meters'; readonly readings: readonly (readonly [sequence: string, reading: MeterReading])[] }
  /** How long a push has sent no media; Infinity when the worker no longer holds it. */
  | { readonly type: 'idle'; readonly requestId: number; readonly ms: number }
  /** Every connection is closed and every end reported: the worker may be terminated. */
  | { readonly type: 'stopped' }
  /** The answer to `ping`, from the worker's message handler: its event loop still turns. */
  | { readonly type: 'pong'; readonly id: number };

export type ToIngest =
  | { readonly type: 'admission'; readonly requestId: number; readonly decision: AdmissionDecision }
  /** End a live push on livehook's initiative (drop, forbid, takeover, ended elsewhere). */
  | { readonly type: 'end'; readonly pushId: number; readonly reason: PushEnd | undefined }
  | { readonly type: 'idle?'; readonly requestId: number; readonly pushId: number }
  /** Stop accepting, end every push (shutdown), report `stopped`. */
  | { readonly type: 'stop' }
  /** The supervisor's watchdog: a worker that does not answer (`pong`) in time is stuck and is terminated. */
  | { readonly type: 'ping'; readonly id: number }
  /** Tests only (sent by IngestSupervisor.hangForTest, reachable from no input): the worker spins forever, as if stuck. */
  | { readonly type: 'hang-for-test' };
