/**
 * Attaches screenshots and recording to live pushes: when a push on the embedded ingest starts,
 * the templates bound to its (domain, app, stream) decide what runs; when it ends, everything for
 * it is stopped and awaited, so no ffmpeg outlives its stream. Streams that live in an external
 * media server (adapters) are not captured by livehook: their server records them itself.
 */
import type { Logger } from 'pino';
import type { CallbackTemplate } from '../bindings/config-cache.js';
import type { EventSink } from '../events/emit.js';
import type { PushSession, PushSessions } from '../media/push-sessions.js';
import { StreamRecorder, type RecordSpec } from './recorder.js';
import { StreamSnapshotter, type FrameModeration, type SnapshotSpec, type SnapshotterDeps } from './snapshotter.js';

export interface CaptureDeps {
  readonly ffmpegPath: string;
  readonly pushes: PushSessions;
  /** The embedded ingest's RTMP port (known once it listens). */
  readonly rtmpPort: () => number;
  readonly filesDir: string;
  readonly publicUrl: string;
  readonly events: EventSink;
  readonly log: Logger;
  readonly snapshotSpecFor: (session: PushSession) => SnapshotSpec | undefined;
  readonly recordSpecFor: (session: PushSession) => RecordSpec | undefined;
  /** The callback template that applies to the push now (recording exceptions are filtered by its levels). */
  readonly callbackTemplateFor: (session: PushSession) => CallbackTemplate | undefined;
  readonly moderation: FrameModeration | undefined;
  readonly onFlagged?: SnapshotterDeps['onFlagged'];
}

interface Capture {
  snapshotter?: StreamSnapshotter;
  recorder?: StreamRecorder;
}

export class CaptureManager {
  readonly #captures = new Map<PushSession, Capture>();
  readonly #stopping = new Set<Promise<void>>();
  readonly #unsubscribe: () => void;

  constructor(private readonly deps: CaptureDeps) {
    this.#unsubscribe = deps.pushes.onLifecycle((change, session) => {
      if (session.source !== 'rtmp') return;
      if (change === 'started') this.#start(session);
      else this.#stop(session);
    });
  }

  /** Streams with a running screenshot or recording process. */
  get active(): number {
    return this.#captures.size;
  }

  #start(session: PushSession): void {
    const snapshot = this.deps.snapshotSpecFor(session);
    const record = this.deps.recordSpecFor(session);
    if (!snapshot && !record) return;
    const c = session.context;
    const rtmpUrl = `rtmp://127.0.0.1:${this.deps.rtmpPort()}/${c.appName}/${c.stream}?domain=${encodeURIComponent(c.domain)}`;
    const log = this.deps.log.child({ domain: c.domain, app: c.appName, stream: c.stream });
    const shared = { ffmpegPath: this.deps.ffmpegPath, rtmpUrl, filesDir: this.deps.filesDir, publicUrl: this.deps.publicUrl, events: this.deps.events, log };
    const capture: Capture = {};
    if (snapshot) {
      capture.snapshotter = new StreamSnapshotter(session, snapshot, {
        ...shared,
        moderation: this.deps.moderation,
        ...(this.deps.onFlagged ? { onFlagged: this.deps.onFlagged } : {}),
      });
    }
    if (record) {
      capture.recorder = new StreamRecorder(session, record, { ...shared, template: () => this.deps.callbackTemplateFor(session) });
      capture.recorder.start().catch((rawError: unknown) => log.error({ err: rawError }, 'recording could not start'));
    }
    this.#captures.set(session, capture);
    log.info({ snapshots: !!snapshot, recording: record?.formats.map((f) => f.format) ?? [] }, 'capture started');
  }

  #stop(session: PushSession): void {
    const capture = this.#captures.get(session);
    if (!capture) return;
    this.#captures.delete(session);
    const stopping = Promise.allSettled([capture.snapshotter?.stop(), capture.recorder?.stop()]).then(() => undefined);
    this.#stopping.add(stopping);
    void stopping.finally(() => this.#stopping.delete(stopping));
  }

  /** Stops every capture and waits for their last files and events. */
  async close(): Promise<void> {
    this.#unsubscribe();
    for (const session of [...this.#captures.keys()]) this.#stop(session);
    await Promise.allSettled([...this.#stopping]);
  }
}
