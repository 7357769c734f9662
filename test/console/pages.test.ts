/**
 * The other console pages in real Chromium, against a real livehook and receiver: Send test
 * shows the receiver's answer; deleting a bound template shows the API's reason; the push URL
 * generator signs with md5(key + StreamName + txTime); Streams and Moderation show their empty
 * or error states (Moderation's action may not exist yet: the API's InvalidAction is shown).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { signIn, snapshot } from './browser.js';
import { bindNewTemplate, startConsoleHarness, type ConsoleHarness } from './harness.js';

const DOMAIN = 'push.console-pages.example.com';
const TEMPLATE = 'console_pages';

describe('console: templates, push configuration, streams, moderation', () => {
  let h: ConsoleHarness;
  let page: Page;

  before(async () => {
    h = await startConsoleHarness({ allowPrivateCallbacks: true });
    page = h.page;
    h.receiver.respond({ status: 200, body: '{"code":0,"hello":"console"}' });
    await bindNewTemplate(h.client, DOMAIN, { TemplateName: TEMPLATE, StreamBeginNotifyUrl: h.receiver.url('/begin') });
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
    await page.getByRole('link', { name: 'Domain Management' }).first().click();
    await page.getByRole('link', { name: DOMAIN }).click();
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

  test('Streams and Moderation show their empty or error states', async () => {
    await page.getByRole('link', { name: 'Streams' }).click();
    await page.getByText('No stream is being pushed right now.').waitFor();
    await page.getByText('No stream is forbidden.').waitFor();

    await page.getByRole('link', { name: 'Moderation' }).click();
    await page.getByRole('heading', { name: 'Moderation' }).waitFor();
    // Until DescribeModerationResults exists the API's own InvalidAction message is shown.
    await page.getByText(/\(InvalidAction\)$|No flagged screenshots\./).waitFor();
    await snapshot(page, 'moderation');
  });
});
