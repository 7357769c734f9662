/**
 * Push Configuration → Remote Authentication in real Chromium: the card shows the domain's
 * settings, Edit → fill → Save stores them (read back through the API), and the API's refusal of
 * a bad value is shown as the API said it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openDomain, signIn, snapshot } from './browser.js';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

const DOMAIN = 'push.console-remote-auth.example.com';

describe('console: remote push authentication', () => {
  let h: ConsoleHarness;
  let page: Page;

  before(async () => {
    h = await startConsoleHarness();
    page = h.page;
    await h.client.AddLiveDomain({ DomainName: DOMAIN, DomainType: 0 });
    await signIn(page, h.livehook.httpUrl);
    await page.getByRole('heading', { name: 'Domain Management' }).waitFor();
  });

  after(() => h?.close());

  test('Edit → Save stores the settings; a bad value shows the API error', async () => {
    await openDomain(page, DOMAIN);
    await page.getByRole('tab', { name: 'Push Configuration' }).click();
    const card = page.getByRole('region', { name: 'Remote Authentication' });
    await card.getByText('Disabled').waitFor();
    await card.getByRole('button', { name: 'Edit' }).click();

    await card.getByLabel('Enabled').check();
    await card.getByLabel('Authentication server address').fill('https://auth.example.com/check');
    await card.getByLabel('Timeout per try (ms, 500–3000)').fill('100');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByRole('alert').getByText('InvalidParameterValue').waitFor();

    await card.getByLabel('Timeout per try (ms, 500–3000)').fill('800');
    await card.getByLabel('Max retries (0–3)').fill('2');
    await card.getByLabel('When the server does not answer 200 or 403').selectOption('deny');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('Enabled', { exact: true }).waitFor();
    await card.getByText('Refuse the push').waitFor();
    await snapshot(page, 'remote-push-auth');

    const { RemotePushAuthInfo } = (await h.client.request('DescribeLiveRemotePushAuth', { DomainName: DOMAIN })) as { RemotePushAuthInfo: unknown };
    assert.deepEqual(RemotePushAuthInfo, { DomainName: DOMAIN, Enable: 1, Url: 'https://auth.example.com/check', TimeoutMs: 800, Retries: 2, OnFailure: 'deny' });
  });
});
