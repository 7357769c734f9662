/**
 * Streams in real Chromium with real ffmpeg pushes: a live push appears in the polled online
 * list with the instance that holds it; Drop ends it; Forbid ends another and lists it as forbidden; Resume lifts that.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { requireFfmpeg, startPush, type Push } from '../helpers/ffmpeg.js';
import { signIn } from './browser.js';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

const DOMAIN = 'push.console-streams.example.com';

describe('console: online streams, drop, forbid, resume', () => {
  let h: ConsoleHarness;
  let page: Page;
  const pushes: Push[] = [];

  before(async () => {
    requireFfmpeg();
    h = await startConsoleHarness();
    page = h.page;
    await h.client.request('AddLiveDomain', { DomainName: DOMAIN, DomainType: 0 });
    await h.client.request('ModifyLivePushAuthKey', { DomainName: DOMAIN, Enable: 0 });
    await signIn(page, h.livehook.httpUrl);
    await page.getByRole('link', { name: 'Streams', exact: true }).click();
    await page.getByText('No stream is being pushed right now.').waitFor();
  });

  after(async () => {
    await Promise.all(pushes.map((p) => p.kill()));
    await h?.close();
  });

  /** Starts a push that runs until livehook ends it; resolves once livehook has accepted it. */
  async function live(stream: string): Promise<Push> {
    const push = startPush({ url: `rtmp://127.0.0.1:${h.livehook.rtmpPort}/live/${stream}`, tcUrl: `rtmp://${DOMAIN}/live` });
    pushes.push(push);
    await push.opened();
    return push;
  }

  test('Drop ends a live push; Forbid ends one and lists it until Resume', async () => {
    const dropped = await live('console_drop_me');
    const row = page.getByRole('row', { name: /console_drop_me/ });
    await row.waitFor(); // the list is polled: no reload needed
    assert.equal(await row.getByRole('cell', { name: h.livehook.pushes.instanceId, exact: true }).count(), 1, 'the row shows the instance holding the publisher');
    await row.getByRole('button', { name: 'Drop' }).click();
    const droppedResult = await dropped.done;
    assert.notEqual(droppedResult.code, 0, 'ffmpeg lost its connection');
    await page.getByText('No stream is being pushed right now.').waitFor();

    const forbidden = await live('console_forbid_me');
    const liveRow = page.getByRole('row', { name: /console_forbid_me/ }).filter({ has: page.getByRole('button', { name: 'Drop' }) });
    await liveRow.getByRole('button', { name: 'Forbid' }).click();
    await forbidden.done;
    const forbiddenRow = page.getByRole('row', { name: /console_forbid_me/ }).filter({ has: page.getByRole('button', { name: 'Resume' }) });
    await forbiddenRow.waitFor();
    const list = (await h.client.request('DescribeLiveForbidStreamList', {})) as { TotalNum: number };
    assert.equal(list.TotalNum, 1);

    await forbiddenRow.getByRole('button', { name: 'Resume' }).click();
    await page.getByText('No stream is forbidden.').waitFor();
  });
});
