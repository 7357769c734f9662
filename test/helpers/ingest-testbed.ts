/**
 * A livehook whose log the test reads, and a receiver of one push domain's start and end
 * callbacks, push authentication off: the setting of tests that push into the embedded ingest.
 */
import type { Logger } from 'pino';
import { bindDomain, callAction } from './callbacks.js';
import { requireFfmpeg } from './ffmpeg.js';
import { startTestLivehook, type TestLivehook } from './livehook.js';
import { Receiver } from './receiver.js';

/** Callbacks arrive at `/begin` (event 1) and `/end` (event 0). `ingestHangTimeoutMs`: as startLivehook's. */
export async function startIngestTestbed(domain: string, log: Logger, ingestHangTimeoutMs?: number): Promise<{ livehook: TestLivehook; receiver: Receiver }> {
  requireFfmpeg();
  const receiver = await Receiver.start();
  const livehook = await startTestLivehook({ flags: { allowPrivateCallbacks: true }, log, ingestHangTimeoutMs });
  const client = livehook.client();
  await bindDomain(client, domain, { StreamBeginNotifyUrl: receiver.url('/begin'), StreamEndNotifyUrl: receiver.url('/end') });
  await callAction(client, 'ModifyLivePushAuthKey', { DomainName: domain, Enable: 0 });
  return { livehook, receiver };
}
