/**
 * The embedded RTMP ingest's worker thread (docs/rtmp-ingest.md, "The ingest runs in a worker
 * thread"): listens, parses every connection's bytes, and asks the main thread to admit publishes
 * and to turn their start, end and problems into events (./ingest-protocol.ts). It writes its own
 * log lines. Anything it throws ends this thread, never the process: the main thread's
 * IngestSupervisor ends the pushes it held and starts another.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { createLogger } from '../ops/log.js';
import type { AdmissionDecision, FromIngest, IngestWorkerData, ToIngest } from './ingest-protocol.js';
import { EmbeddedRtmpServer, type PushPort } from './rtmp-server.js';
import { StreamMeters } from './stream-meter.js';

/** How often the live pushes' meter readings go to the main thread (DescribeLiveStreamPushInfoList). */
const METER_REPORT_MS = 1000;

if (!parentPort) throw new Error('ingest-worker.ts runs as a worker thread only');
const port = parentPort;
const options = workerData as IngestWorkerData;
const post = (message: FromIngest): void => port.postMessage(message);

const lines = options.log.lines;
// Synchronous to stdout, so that the lines before a crash are written.
const destination = lines ? { write: (line: string) => lines.postMessage(line) } : pino.destination({ dest: 1, sync: true });
const log = createLogger(options.log.level, destination, options.log.bindings);

const admissions = new Map<number, (decision: AdmissionDecision) => void>();
let nextRequestId = 1;
const pushes: PushPort = {
  admit: (publish) =>
    new Promise((resolve) => {
      const requestId = nextRequestId++;
      admissions.set(requestId, resolve);
      post({ type: 'admit', requestId, publish });
    }),
  started: (pushId, video) => post({ type: 'started', pushId, ...video }),
  ended: (pushId, reason, final) => post({ type: 'ended', pushId, reason, final }),
  forget: (pushId) => post({ type: 'forget', pushId }),
  anomalies: (pushId, report) => post({ type: 'anomalies', pushId, report }),
};
const server = new EmbeddedRtmpServer({ pushes, log, limits: options.limits, meters: new StreamMeters() });

port.on('message', (message: ToIngest) => {
  switch (message.type) {
    case 'admission':
      admissions.get(message.requestId)?.(message.decision);
      admissions.delete(message.requestId);
      return;
    case 'end':
      return server.end(message.pushId, message.reason);
    case 'idle?':
      return post({ type: 'idle', requestId: message.requestId, ms: server.idleMs(message.pushId) });
    case 'stop':
      clearInterval(meterReports);
      void server.close().then(() => post({ type: 'stopped' }));
      return;
    case 'ping':
      return post({ type: 'pong', id: message.id });
    case 'hang-for-test':
      // A stuck parser's likeness: the event loop never turns again, so no ping is answered.
      for (;;);
  }
});

// One message a second for all live pushes; one more once none is left, so the main thread forgets.
let reportedAny = false;
const meterReports = setInterval(() => {
  const readings = server.readings();
  if (readings.length > 0 || reportedAny) post({ type: 'meters', readings });
  reportedAny = readings.length > 0;
}, METER_REPORT_MS);

try {
  post({ type: 'listening', port: await server.listen(options.host, options.port) });
} catch (error) {
  post({ type: 'listen-failed', message: error instanceof Error ? error.message : String(error) });
}
