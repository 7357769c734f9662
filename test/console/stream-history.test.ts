/**
 * The Streams page's history view in real Chromium, from real ffmpeg pushes: a push that ended
 * and one still live are listed for the chosen domain with their times, stop reason and client;
 * opening a push shows the callbacks sent about it (DescribeCallbackRecordsList).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { bindDomain, callAction, waitUntil } from '../helpers/callbacks.js';
import { describeResult, push, requireFfmpeg, startPush, type Push } from '../helpers/ffmpeg.js';
import { signIn, snapshot } from './browser.js';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

const DOMAIN = 'push.console-history.example.com';
const OTHER = 'push.console-history-a.example.com';

describe('console: stream history per domain', () => {
  let h: ConsoleHarness;
  let page: Page;
  let live: Push | undefined;

  before(async () => {
    requireFfmpeg();
    h = await startConsoleHarness({ allowPrivateCallbacks: true });
    page = h.page;
    h.receiver.respondByPath({ '/begin': 200, '/end': { status: 500, body: 'receiver down' } });
    // Two domains: the view shows the one chosen.
    for (const domain of [DOMAIN, OTHER]) {
      await bindDomain(h.client, domain, { StreamBeginNotifyUrl: h.receiver.url('/begin'), StreamEndNotifyUrl: h.receiver.url('/end') });
      await callAction(h.client, 'ModifyLivePushAuthKey', { DomainName: domain, Enable: 0 });
    }
    const rtmp = `rtmp://127.0.0.1:${h.livehook.rtmpPort}/live`;
    const ended = await push({ url: `${rtmp}/console_hist_done`, tcUrl: `rtmp://${DOMAIN}/live`, seconds: 1 });
    assert.equal(ended.code, 0, describeResult(ended));
    live = startPush({ url: `${rtmp}/console_hist_live`, tcUrl: `rtmp://${DOMAIN}/live` });
    await live.opened();
    await waitUntil(async () => (await h.client.DescribeLiveStreamPushInfoList({ PushDomain: DOMAIN })).TotalNum === 1, { what: 'the live push' });
    await signIn(page, h.livehook.httpUrl);
    await page.getByRole('link', { name: 'Streams', exact: true }).click();
  });

  after(async () => {
    await live?.kill();
    await h?.close();
  });

  test('the chosen domain’s pushes, ended and live; a push’s callbacks on opening it', async () => {
    const form = page.getByRole('form', { name: 'Stream history' });
    await form.getByLabel('Push domain').selectOption(DOMAIN);
    await form.getByLabel('Period').selectOption({ label: 'Last hour' });
    await form.getByRole('button', { name: 'Show history' }).click();

    const liveBadge = page.locator('.badge', { hasText: /^live$/ });
    const liveRow = page.getByRole('row', { name: /console_hist_live/ }).filter({ has: liveBadge });
    await liveRow.waitFor();
    assert.match(await liveRow.innerText(), /320\*240/);
    const doneRow = page.getByRole('row', { name: /console_hist_done/ });
    await doneRow.waitFor();
    const done = await doneRow.innerText();
    assert.match(done, /127\.0\.0\.1/);
    assert.match(done, /320\*240/);
    assert.equal(await doneRow.locator('.badge').count(), 0, 'it ended');

    await doneRow.getByRole('button', { name: /console_hist_done/ }).click();
    const records = page.locator('table.attempts tr.attempt');
    await waitUntil(async () => (await records.count()) >= 2, { what: 'the push’s callback records' });
    const texts = await records.allInnerTexts();
    assert.ok(texts.some((t) => /Succeeded/.test(t)), `the accepted push start: ${texts.join(' | ')}`);
    assert.ok(texts.some((t) => /Failed \(HTTP 500\)/.test(t) && /receiver down/.test(t)), `the refused push end: ${texts.join(' | ')}`);
    await snapshot(page, 'stream-history');

    // The other domain has no pushes.
    await form.getByLabel('Push domain').selectOption(OTHER);
    await form.getByRole('button', { name: 'Show history' }).click();
    await page.getByText('No push in this period.').waitFor();
  });
});
