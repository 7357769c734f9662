/**
 * Several livehook instances on one PostgreSQL database. Measuring config propagation: a change
 * made through instance A (official SDK), observed through pushes into instance B's SRS hook
 * (each admitted push emits a push-start callback with the template B resolved). Shared by
 * test/e2e/scale-out.test.ts and bench/scale-out.ts. Instances are test/fixtures/livehook-emitter.ts
 * processes started with `--hook-token HOOK_TOKEN`. Also nginx-rtmp-shaped hooks into an instance
 * and the template setup for push start and end callbacks (test/e2e/live-state.test.ts, step c of
 * the bench).
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { EMITTER_APP, EMITTER_DOMAIN, EMITTER_TEMPLATE } from '../fixtures/emitter-setup.js';
import type { LiveClient } from './livehook.js';
import type { ReceivedRequest, Receiver } from './receiver.js';

export const HOOK_TOKEN = 'scale-out-test-hook-token';

/** SRS on_publish into an instance: its answer ({code: 0} admits). */
async function publish(httpUrl: string, stream: string): Promise<{ code: number }> {
  const response = await fetch(`${httpUrl}/hooks/srs?token=${HOOK_TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'on_publish', client_id: stream, ip: '127.0.0.1', vhost: EMITTER_DOMAIN, app: EMITTER_APP, tcUrl: `rtmp://${EMITTER_DOMAIN}/${EMITTER_APP}`, stream, param: '' }),
  });
  return (await response.json()) as { code: number };
}

let pushCounter = 0;

/** Pause between pushes while waiting for a change to show. */
const PUSH_INTERVAL_MS = 20;

/**
 * New domains require push auth, so B refuses a bare push until A's change turning it off
 * reaches B. Pushes into B right after A answers and every `intervalMs`; returns the delay from
 * sending the change to A until the first push B admitted.
 */
export async function pushAuthOffDelay(client: LiveClient, bUrl: string, intervalMs = PUSH_INTERVAL_MS): Promise<number> {
  assert.equal((await publish(bUrl, `auth${++pushCounter}`)).code, 403, 'push auth is on at first');
  const changedAt = performance.now();
  await client.ModifyLivePushAuthKey({ DomainName: EMITTER_DOMAIN, Enable: 0 });
  for (;;) {
    const sentAt = performance.now();
    if ((await publish(bUrl, `auth${++pushCounter}`)).code === 0) return sentAt - changedAt;
    assert.ok(performance.now() - changedAt < 5_000, 'B still refuses the push 5 s after push auth was turned off through A');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Points the template's push-start URL at `newPath` through A, then pushes into B as soon as A
 * answers and every `intervalMs` until a push-start reaches the new URL. Returns the delay from
 * sending the change to A until the first push B called back with the new template: an upper
 * bound on commit → B (the commit happens somewhere inside A's API call).
 */
export async function templateChangeDelay(
  o: { client: LiveClient; templateId: number; rx: Receiver; bUrl: string; newPath: string; oldPath: string },
  intervalMs = PUSH_INTERVAL_MS,
): Promise<number> {
  const changedAt = performance.now();
  await o.client.ModifyLiveCallbackTemplate({ TemplateId: o.templateId, StreamBeginNotifyUrl: o.rx.url(o.newPath) });
  const sent = new Map<string, number>();
  const sentAt = (r: ReceivedRequest): number => sent.get((r.json as { stream_id: string }).stream_id) ?? -Infinity;
  while (o.rx.onPath(o.newPath).length === 0) {
    assert.ok(performance.now() - changedAt < 5_000, `no callback on ${o.newPath} within 5 s of the change`);
    const stream = `push${++pushCounter}`;
    sent.set(stream, performance.now());
    assert.deepEqual(await publish(o.bUrl, stream), { code: 0 }, `B admits the push of ${stream}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const firstNew = Math.min(...o.rx.onPath(o.newPath).map(sentAt));
  const stale = o.rx.onPath(o.oldPath).filter((r) => sentAt(r) > firstNew);
  assert.equal(stale.length, 0, `no push after the change took effect went to the old URL ${o.oldPath}`);
  return firstNew - changedAt;
}

/**
 * An nginx-rtmp notify (form-encoded, as nginx sends it) for the emitter's domain into an
 * instance's hook; resolves with the HTTP status (200 admits / acknowledges).
 */
export async function nginxNotify(httpUrl: string, call: 'publish' | 'publish_done' | 'record_done', stream: string, clientid: string, recordPath = ''): Promise<number> {
  // Each call's own fields, in nginx's order.
  const own: Record<string, string> = call === 'publish' ? { name: stream, type: 'live' } : call === 'record_done' ? { recorder: 'rec', name: stream, path: recordPath } : { name: stream };
  const body = new URLSearchParams({ app: EMITTER_APP, flashver: 'FMLE/3.0', swfurl: '', tcurl: `rtmp://${EMITTER_DOMAIN}/${EMITTER_APP}`, pageurl: '', addr: '10.1.2.3', clientid, call, ...own });
  const response = await fetch(`${httpUrl}/hooks/nginx-rtmp/on_${call}?token=${HOOK_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  await response.text();
  return response.status;
}

/** The emitter's template gets push-start, push-end and recording URLs on `rx`, and its domain's push auth goes off (plain test pushes). */
export async function callBackStartsAndEnds(client: LiveClient, rx: Receiver): Promise<void> {
  const templateId = await templateIdOf(client);
  await client.ModifyLiveCallbackTemplate({ TemplateId: templateId, StreamBeginNotifyUrl: rx.url('/begin'), StreamEndNotifyUrl: rx.url('/end'), RecordNotifyUrl: rx.url('/record') });
  await client.ModifyLivePushAuthKey({ DomainName: EMITTER_DOMAIN, Enable: 0 });
}

export const templateIdOf = async (client: LiveClient): Promise<number> =>
  ((await client.DescribeLiveCallbackTemplates()).Templates ?? []).find((t) => t.TemplateName === EMITTER_TEMPLATE)!.TemplateId!;
