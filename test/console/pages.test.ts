/**
 * The other console pages in real Chromium, against a real livehook and receiver: Send test
 * shows the receiver's answer; deleting a bound template shows the API's reason; the push URL
 * generator signs with md5(key + StreamName + txTime); Streams shows its empty states;
 * Moderation shows its empty state, then a flagged screenshot kept by livehook.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { insertModerationResult } from '../../src/store/moderation-results.js';
import { bindDomain } from '../helpers/callbacks.js';
import { TEST_APPID } from '../helpers/livehook.js';
import { openDomain, signIn, snapshot } from './browser.js';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

const DOMAIN = 'push.console-pages.example.com';
const TEMPLATE = 'console_pages';

describe('console: templates, push configuration, streams, moderation', () => {
  let h: ConsoleHarness;
  let page: Page;

  before(async () => {
    h = await startConsoleHarness({ allowPrivateCallbacks: true });
    page = h.page;
    h.receiver.respond({ status: 200, body: '{"code":0,"hello":"console"}' });
    await bindDomain(h.client, DOMAIN, { StreamBeginNotifyUrl: h.receiver.url('/begin') }, undefined, { templateName: TEMPLATE });
    await signIn(page, h.livehook.httpUrl);
    await page.getByRole('heading', { name: 'Domain Management' }).waitFor();
  });

  after(() => h?.close());

  test('Send test shows status, latency and response; a bound template cannot be deleted', async () => {
    await page.getByRole('link', { name: 'Callback Templates' }).click();
    const card = page.getByRole('article', { name: `Template ${TEMPLATE}` });
    await card.getByRole('button', { name: 'Send test' }).click();
    await card.getByRole('status').getByText(/Delivered: HTTP 200 in \d+ ms/).waitFor();
    await card.getByText('{"code":0,"hello":"console"}').waitFor();
    assert.equal(h.receiver.onPath('/begin').length, 1);
    await snapshot(page, 'templates');

    await card.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'OK' }).click();
    await page.getByRole('alert').getByText('FailedOperation.ConfInUsed').waitFor();
    await card.waitFor();
  });

  test('the push URL generator signs with md5(key + StreamName + txTime)', async () => {
    const { PushAuthKeyInfo } = (await h.client.request('DescribeLivePushAuthKey', { DomainName: DOMAIN })) as {
      PushAuthKeyInfo: { MasterAuthKey: string };
    };
    await openDomain(page, DOMAIN);
    await page.getByRole('tab', { name: 'Push Configuration' }).click();
    await page.getByLabel('StreamName').fill('stream_a');
    const url = await page.getByTestId('push-url').textContent();
    const match = /^rtmp:\/\/push\.console-pages\.example\.com\/live\/stream_a\?txSecret=([0-9a-f]{32})&txTime=([0-9A-F]+)$/.exec(url ?? '');
    assert.ok(match, `push URL: ${url}`);
    const [, secret, txTime] = match;
    assert.equal(secret, createHash('md5').update(`${PushAuthKeyInfo.MasterAuthKey}stream_a${txTime}`).digest('hex'));
    assert.ok(parseInt(txTime!, 16) > Date.now() / 1000, 'txTime is a future expiry');
    await snapshot(page, 'push-configuration');
  });

  test('Domain Management: paging, search by prefix, disable/enable, delete after OK', async () => {
    for (let i = 1; i <= 11; i++) await h.client.request('AddLiveDomain', { DomainName: `play${i}.console-pages.example.com`, DomainType: 1 });
    await page.getByRole('link', { name: 'Domain Management' }).first().click();
    await page.getByText('12 in total · page 1 of 2').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('12 in total · page 2 of 2').waitFor();

    await page.getByLabel('Search by domain prefix').fill('play1');
    await page.getByText('3 in total · page 1 of 1').waitFor(); // play1, play10, play11
    const row = page.getByRole('row', { name: /play10\.console-pages/ });
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disabled').waitFor();
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByText('Enabled').waitFor();

    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await row.waitFor();
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'OK' }).click();
    await page.getByText('2 in total · page 1 of 1').waitFor();
    const { AllCount } = (await h.client.request('DescribeLiveDomains', {})) as { AllCount: number };
    assert.equal(AllCount, 11);
  });

  test('editing a template changes it; a screenshot template is bound in its own section', async () => {
    await page.getByRole('link', { name: 'Callback Templates' }).click();
    const card = page.getByRole('article', { name: `Template ${TEMPLATE}` });
    await card.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Stream interruption callback').fill('https://hooks.example.com/end');
    await page.getByRole('button', { name: 'Save' }).click();
    await card.getByText('https://hooks.example.com/end').waitFor();

    const { TemplateId } = (await h.client.request('CreateLiveSnapshotTemplate', {
      TemplateName: 'console_shots',
      CosAppId: 1250000000,
      CosBucket: 'snaps',
      CosRegion: 'ap-guangzhou',
    })) as { TemplateId: number };
    await openDomain(page, DOMAIN);
    await page.getByRole('tab', { name: 'Template Configuration' }).click();
    const section = page.getByRole('region', { name: 'Screenshot & Porn Detection Configuration' });
    await section.getByRole('button', { name: 'Edit' }).click();
    await section.getByRole('checkbox', { name: 'console_shots' }).check();
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByText(`console_shots (ID ${TemplateId})`).waitFor();
    const { Rules } = (await h.client.request('DescribeLiveSnapshotRules', {})) as { Rules: { DomainName: string; AppName: string; StreamName: string; TemplateId: number }[] };
    assert.deepEqual(
      Rules.map((r) => [r.DomainName, r.AppName, r.StreamName, r.TemplateId]),
      [[DOMAIN, '', '', TemplateId]],
    );
  });

  test('Streams and Moderation show their empty states; a flagged screenshot shows with its label, score and picture', async () => {
    await page.getByRole('link', { name: 'Streams', exact: true }).click();
    await page.getByText('No stream is being pushed right now.').waitFor();
    await page.getByText('No stream is forbidden.').waitFor();

    await page.getByRole('link', { name: 'Moderation' }).click();
    await page.getByRole('heading', { name: 'Moderation' }).waitFor();
    await page.getByText('No flagged screenshots.').waitFor();

    // What capture keeps for a flagged frame (test/e2e/capture.test.ts makes real ones).
    await insertModerationResult(h.livehook.store.db, {
      app_id: TEST_APPID,
      domain_name: DOMAIN,
      app_name: 'live',
      stream_name: 'flagged_stream',
      pic_url: '/files/snapshots/flagged.jpg',
      suggestion: 'Block',
      label: 'Porn',
      sub_label: 'PornHigh',
      score: 93,
      label_results: '[]',
      screenshot_at: Date.now(),
    });
    await page.getByRole('button', { name: 'Search' }).click();
    const card = page.locator('figure', { hasText: 'flagged_stream' });
    await card.getByText('Block').waitFor();
    assert.match(await card.innerText(), /Porn \/ PornHigh · score 93/);
    assert.equal(await card.locator('img').getAttribute('src'), '/files/snapshots/flagged.jpg');
    await snapshot(page, 'moderation');
  });
});
