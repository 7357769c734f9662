/**
 * The callback template form in real Chromium, derived from the event registry: a URL field for
 * every event type; beside the fields of events livehook does not send (315 never, 321 not yet)
 * a note saying so, and none beside the others; the recording exception levels are saved; the
 * Callback Events filter offers every event type.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { EVENT_TYPES } from '../../src/events/registry.js';
import { signIn, snapshot } from './browser.js';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

describe('console: template fields and notes from the event registry', () => {
  let h: ConsoleHarness;
  let page: Page;

  before(async () => {
    h = await startConsoleHarness();
    page = h.page;
    await signIn(page, h.livehook.httpUrl);
  });
  after(() => h?.close());

  test('every event type has its field; unsent ones carry their note; levels are saved', async () => {
    await page.getByRole('link', { name: 'Callback Templates' }).click();
    await page.getByRole('button', { name: 'Create Template' }).click();
    const form = page.getByRole('form', { name: 'Create Callback Template' });
    for (const d of EVENT_TYPES) {
      await form.locator(`input[name="${d.templateParam}"]`).waitFor();
      const note = form.locator(`[data-field-note="${d.templateParam}"]`);
      if (d.delivery === 'sent') {
        assert.equal(await note.count(), 0, `${d.templateParam}: no note, livehook sends event ${d.eventType}`);
      } else {
        assert.equal((await note.textContent())?.trim(), d.note, `${d.templateParam}: the note says it is not sent`);
      }
    }
    // The plain words a user needs beside the field that stays silent.
    assert.match(String(await form.locator('[data-field-note="AudioAuditNotifyUrl"]').textContent()), /no event 315/);
    assert.equal(await form.locator('[data-field-note="PushExceptionNotifyUrl"]').count(), 0, 'push errors (321) are sent');
    await snapshot(page, 'template-fields');

    await form.getByLabel('Template name').fill('levels_form');
    await form.locator('input[name="RecordExceptionNotifyUrl"]').fill('https://hooks.example.com/record-exception');
    await form.getByRole('checkbox', { name: 'error' }).check();
    await form.getByRole('checkbox', { name: 'warning' }).check();
    await form.getByRole('button', { name: 'Save' }).click();
    const card = page.getByRole('article', { name: 'Template levels_form' });
    await card.getByText('error, warning').waitFor();
    const { Templates } = (await h.client.request('DescribeLiveCallbackTemplates', {})) as { Templates: Array<Record<string, unknown>> };
    const saved = Templates.find((t) => t.TemplateName === 'levels_form');
    assert.deepEqual(saved?.RecordExceptionLevels, ['error', 'warning']);
    assert.equal(saved?.RecordExceptionNotifyUrl, 'https://hooks.example.com/record-exception');
  });

  test('the Callback Events filter offers every event type of the registry', async () => {
    await page.getByRole('link', { name: 'Callback Events' }).click();
    const select = page.getByLabel('Event type');
    await select.locator('option[value="1"]').waitFor({ state: 'attached' });
    const values = await select.locator('option').evaluateAll((options) => options.map((o) => o.getAttribute('value') ?? ''));
    assert.deepEqual(values.filter((v) => v !== '').map(Number).sort((a, b) => a - b), EVENT_TYPES.map((d) => d.eventType).sort((a, b) => a - b));
  });
});
