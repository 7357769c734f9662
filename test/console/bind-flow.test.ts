/**
 * The Tencent-style bind and unbind flows, in real Chromium (issue 6): sign in, add a push
 * domain, create a callback template, then Domain Management → the domain → Template
 * Configuration → Callback Configuration → Edit → select → Save; the official SDK sees the rule.
 * Unbind: Edit → deselect → Save → OK; the SDK sees it gone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { signIn, snapshot } from './browser.js';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

const DOMAIN = 'push.console-bind.example.com';
const TEMPLATE = 'console_bind_template';

interface Rules {
  Rules: { DomainName: string; AppName: string; TemplateId: number }[];
}

describe('console: bind and unbind a callback template', () => {
  let h: ConsoleHarness;
  let page: Page;

  before(async () => {
    h = await startConsoleHarness();
    page = h.page;
  });

  after(() => h?.close());

  const rules = async () => ((await h.client.request('DescribeLiveCallbackRules', {})) as Rules).Rules;

  /** Domain Management → the domain → Template Configuration → Callback Configuration. */
  async function openCallbackConfiguration() {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Domain Management' }).click();
    await page.getByRole('row', { name: new RegExp(DOMAIN) }).getByRole('link', { name: 'Manage' }).click();
    await page.getByRole('tab', { name: 'Template Configuration' }).click();
    const section = page.getByRole('region', { name: 'Callback Configuration' });
    await section.getByText('One domain can be bound to only one callback template').waitFor();
    await section.getByText('applies to new events immediately').waitFor();
    return section;
  }

  test('sign in, add a push domain, create a template, bind it, unbind it', async () => {
    await signIn(page, h.livehook.httpUrl);
    await page.getByRole('heading', { name: 'Domain Management' }).waitFor();
    await page.getByText('No domains yet').waitFor();

    // Add a push domain.
    await page.getByRole('button', { name: 'Add Domain' }).first().click();
    const form = page.getByRole('form', { name: 'Add domain' });
    await form.getByLabel('Domain name').fill(DOMAIN);
    await form.getByLabel('Domain type').selectOption({ label: 'Push domain' });
    await form.getByRole('button', { name: 'Add Domain' }).click();
    await page.getByRole('row', { name: new RegExp(DOMAIN) }).getByText('Push domain').waitFor();

    // Create a callback template; the API's validation messages are shown for a bad URL, then a bad key.
    await page.getByRole('link', { name: 'Callback Templates' }).click();
    await page.getByRole('button', { name: 'Create Template' }).click();
    await page.getByLabel('Template name').fill(TEMPLATE);
    await page.getByLabel('Stream push callback').fill('ftp://hooks.example.com/begin');
    await page.getByLabel('Stream interruption callback').fill('https://hooks.example.com/end');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').getByText(/StreamBeginNotifyUrl.*must be an http/).waitFor();
    await page.getByLabel('Stream push callback').fill('https://hooks.example.com/begin');
    await page.getByLabel('Callback key').fill('not a key!');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').getByText(/CallbackKey.*up to 32 letters and digits/).waitFor();
    await page.getByLabel('Callback key').fill('consoleKey01');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('article', { name: `Template ${TEMPLATE}` }).waitFor();

    // Bind: Domain Management → Manage → Template Configuration → Callback Configuration → Edit → select → Save.
    let section = await openCallbackConfiguration();
    await section.getByText('Not bound').waitFor();
    await section.getByRole('button', { name: 'Edit' }).click();
    await section.getByRole('checkbox', { name: TEMPLATE }).check();
    await snapshot(page, 'bind-edit');
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByText(new RegExp(`^${TEMPLATE} \\(ID \\d+\\)$`)).waitFor();

    const bound = await rules();
    assert.equal(bound.length, 1, `one rule after binding: ${JSON.stringify(bound)}`);
    assert.equal(bound[0]!.DomainName, DOMAIN);
    assert.equal(bound[0]!.AppName, '');

    // The list shows the bound template too.
    await page.getByRole('link', { name: 'Domain Management' }).first().click();
    await page.getByRole('row', { name: new RegExp(DOMAIN) }).getByText(TEMPLATE).waitFor();
    await snapshot(page, 'domain-list');

    // Unbind: same path → Edit → deselect → Save → OK.
    section = await openCallbackConfiguration();
    await section.getByRole('button', { name: 'Edit' }).click();
    await section.getByRole('checkbox', { name: TEMPLATE }).uncheck();
    await section.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`from ${DOMAIN}`).waitFor();
    await dialog.getByRole('button', { name: 'OK' }).click();
    await section.getByText('Not bound').waitFor();
    assert.deepEqual(await rules(), [], 'no rule after unbinding');
  });
});
