/** Sample events for SendTestCallback: realistic values, marked as tests in the stream name. */
import { randomInt } from 'node:crypto';
import { pornDetected, pushEnded, pushStarted, recordFileReady, snapshotTaken, type LiveEvent, type StreamContext } from './builders.js';
import { EventType } from './payloads.js';

export const SAMPLE_STREAM = 'livehook_test_stream';

export function sampleEvent(eventType: number, where: { appId: number; domain: string; publicUrl: string }): LiveEvent {
  const now = Date.now();
  const c: StreamContext = {
    appId: where.appId,
    domain: where.domain,
    appName: 'live',
    stream: SAMPLE_STREAM,
    streamParam: 'txSecret=0123456789abcdef0123456789abcdef&txTime=' + Math.floor(now / 1000 + 3600).toString(16).toUpperCase(),
    sequence: String(randomInt(2 ** 47)),
  };
  const push = { node: '127.0.0.1', userIp: '127.0.0.1', width: 1280, height: 720, at: now };
  const pic = `/${new Date(now).toISOString().slice(0, 10)}/${SAMPLE_STREAM}-screenshot-10-12-05-1280x720.jpg`;
  switch (eventType) {
    case EventType.pushStart:
      return pushStarted(c, push);
    case EventType.pushEnd:
      return pushEnded(c, { ...push, durationMs: 61_000, errcode: 1, errmsg: 'push client stopped the stream' });
    case EventType.recordFile:
      return recordFileReady(c, {
        recordFileId: 'livehook_test_record', format: 'mp4', startMs: now - 60_000, endMs: now, durationSeconds: 60,
        fileSize: 1_048_576, videoUrl: `${where.publicUrl}/files/record/${SAMPLE_STREAM}.mp4`, videoCodec: 'h264', width: 1280, height: 720,
      });
    case EventType.snapshot:
      return snapshotTaken(c, { at: now, fileSize: 30_670, width: 1280, height: 720, picUrl: pic, picFullUrl: `${where.publicUrl}/files/snapshots${pic}` });
    case EventType.pornDetection:
      return pornDetected(c, {
        img: `${where.publicUrl}/files/snapshots${pic}`, screenshotAt: now, sentAt: now, suggestion: 'Review', label: 'Porn', subLabel: 'Sexy',
        types: ['Porn'], scores: [72],
        labelResults: [{ Scene: 'Porn', Suggestion: 'Review', Label: 'Porn', SubLabel: 'Sexy', Score: 72, Details: [{ Id: 0, Name: 'Sexy', Score: 72 }] }],
      });
    default:
      throw new RangeError(`no sample for event type ${eventType}`);
  }
}
