/**
 * Callback Events in real Chromium, fed by a real ffmpeg push: the bound domain's push start is
 * delivered (its attempt shows as succeeded); the push end meets a failing receiver and ends
 * failed with every retry listed; once the receiver is fixed, Resend adds an attempt that
 * succeeds and the event becomes delivered.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { bindDomain } from '../helpers/callbacks.js';
import { describeResult, push, requireFfmpeg } from '../helpers/ffmpeg.js';
import type { TestLivehook } from '../helpers/livehook.js';
import type { Receiver } from '../helpers/receiver.js';
import { signIn, snapshot } from './browser.js';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

const DOMAIN = 'push.console-events.example.com';
const STREAM = 'console_events_1';

describe('console: callback events from a real push, resend after a failure', () => {
  let h: ConsoleHarness;
  let page: Page;
  let livehook: TestLivehook;
  let receiver: Receiver;

  before(async () => {
    requireFfmpeg();
    // Retries on a compressed schedule, so that the failing event gives up within a second.
    h = await startConsoleHarness({ allowPrivateCallbacks: true, retryDelayScale: 0.001 });
    ({ page, livehook, receiver } = h);
    receiver.respondByPath({ '/begin': 200, '/end': { status: 500, body: 'receiver is down' } });
    await bindDomain(
      h.client,
      DOMAIN,
      { StreamBeginNotifyUrl: receiver.url('/begin'), StreamEndNotifyUrl: receiver.url('/end') },
      'consoleEvents01',
      { templateName: 'console_events' },
    );
    // No txSecret in these pushes.
    await h.client.request('ModifyLivePushAuthKey', { DomainName: DOMAIN, Enable: 0 });
  });

  after(() => h?.close());

  const eventRow = (name: string) => page.getByRole('row').filter({ hasText: name }).filter({ hasText: STREAM });

  test('the push shows in Callback Events with its attempts; Resend succeeds once the receiver is back', async () => {
    const result = await push({ url: `rtmp://127.0.0.1:${livehook.rtmpPort}/live/${STREAM}`, tcUrl: `rtmp://${DOMAIN}/live`, seconds: 2 });
    assert.equal(result.code, 0, describeResult(result));
    // 1 attempt + 12 retries of the end event, all answered 500.
    await receiver.waitFor(13, { path: '/end', timeoutMs: 60_000 });

    await signIn(page, livehook.httpUrl);
    await page.getByRole('link', { name: 'Callback Events' }).click();
    await page.getByRole('textbox', { name: 'Stream', exact: true }).fill(STREAM);
    await page.getByRole('button', { name: 'Search' }).click();

    // Push start: delivered at the first attempt.
    const started = eventRow('Stream push started');
    await started.getByText('delivered').waitFor();
    await started.getByRole('button', { expanded: false }).click();
    const startDetails = page.locator('tr.details');
    await startDetails.getByRole('cell', { name: 'Succeeded', exact: true }).waitFor();
    assert.equal(await startDetails.locator('tr.attempt').count(), 1);
    await startDetails.getByText(`"stream_id": "${STREAM}"`).waitFor();
    await started.getByRole('button', { expanded: true }).click();

    // Push end: failed, every attempt listed with the receiver's answer.
    const ended = eventRow('Stream push ended');
    await ended.getByText('failed').waitFor();
    await ended.getByRole('button', { expanded: false }).click();
    const endDetails = page.locator('tr.details');
    await endDetails.getByText('receiver is down').first().waitFor();
    const failedAttempts = await endDetails.locator('tr.attempt').count();
    assert.equal(failedAttempts, 13, 'the first attempt and 12 retries');
    assert.equal(await endDetails.getByRole('cell', { name: 'Succeeded', exact: true }).count(), 0);
    await snapshot(page, 'events-failed');

    // The receiver is fixed; Resend the failed event.
    receiver.respondByPath({ '/begin': 200, '/end': 200 });
    const before = receiver.onPath('/end').length;
    await ended.getByRole('button', { name: 'Resend' }).click();
    await page.getByRole('status').getByText('1 event(s) queued for delivery again.').waitFor();
    await receiver.waitFor(before + 1, { path: '/end', timeoutMs: 30_000 });
    await ended.getByText('delivered').waitFor();
    await endDetails.getByRole('cell', { name: 'Succeeded', exact: true }).waitFor();
    assert.equal(await endDetails.locator('tr.attempt').count(), failedAttempts + 1, 'one new attempt');
    await snapshot(page, 'events-resent');
  });
});
