/**
 * Console sign-in in real Chromium, and the protections around it: a wrong password is refused
 * on screen; the session cookie is HttpOnly and SameSite=Strict; a state-changing call without
 * the CSRF token is refused even with a valid session; sign-out ends the session; browsers asking
 * for `/` are sent to the console while `POST /` stays the Tencent API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { TestLivehook } from '../helpers/livehook.js';
import { ADMIN_PASSWORD, newPage, signIn, snapshot } from './browser.js';
import { startConsoleHarness, type ConsoleHarness } from './harness.js';

describe('console: sign-in, CSRF, sign-out', () => {
  let h: ConsoleHarness;
  let livehook: TestLivehook;
  let browser: Browser;

  before(async () => {
    h = await startConsoleHarness();
    ({ livehook, browser } = h);
  });

  after(() => h?.close());

  /** A POST from the page's own origin, with the browser's cookies. */
  const postFromPage = (page: Page, path: string, body: unknown, headers: Record<string, string> = {}) =>
    page.evaluate(
      async ({ path, body, headers }) => {
        const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
        return { status: response.status, json: (await response.json()) as unknown };
      },
      { path, body, headers },
    );

  test('a wrong password is refused, the right one signs in', async () => {
    const page = await newPage(browser);
    await signIn(page, livehook.httpUrl, 'not-the-password');
    await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
    await snapshot(page, 'sign-in-refused');
    assert.equal(await page.getByRole('heading', { name: 'Domain Management' }).count(), 0);

    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Domain Management' }).waitFor();
    const [cookie] = await page.context().cookies();
    assert.equal(cookie?.name, 'livehook_console');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.equal(cookie?.path, '/console');
    assert.equal(await page.evaluate<string>('document.cookie'), '', 'page scripts cannot read the session cookie');
  });

  test('a state-changing call without the CSRF token is refused', async () => {
    const page = await newPage(browser);
    await signIn(page, livehook.httpUrl);
    await page.getByRole('heading', { name: 'Domain Management' }).waitFor();
    const params = { Action: 'AddLiveDomain', Params: { DomainName: 'push.csrf.example.com', DomainType: 0 } };

    const noToken = await postFromPage(page, '/console/api/action', params);
    assert.equal(noToken.status, 403, JSON.stringify(noToken));
    const wrongToken = await postFromPage(page, '/console/api/action', params, { 'x-csrf-token': 'x'.repeat(43) });
    assert.equal(wrongToken.status, 403, JSON.stringify(wrongToken));
    const domains = (await livehook.client().request('DescribeLiveDomains', {})) as { AllCount: number };
    assert.equal(domains.AllCount, 0, 'the refused calls changed nothing');

    // With the token from the session, the same call works (so the refusals were about the token).
    const session = await page.evaluate(async () => (await (await fetch('/console/api/session')).json()) as { csrfToken: string });
    const ok = await postFromPage(page, '/console/api/action', params, { 'x-csrf-token': session.csrfToken });
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys((ok.json as { Response: object }).Response), ['RequestId']);
  });

  test('sign-out ends the session; the next call is refused and the sign-in page shows', async () => {
    const page = await newPage(browser);
    await signIn(page, livehook.httpUrl);
    await page.getByRole('heading', { name: 'Domain Management' }).waitFor();
    const { csrfToken } = await page.evaluate(async () => (await (await fetch('/console/api/session')).json()) as { csrfToken: string });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const after = await postFromPage(page, '/console/api/action', { Action: 'DescribeLiveDomains', Params: {} }, { 'x-csrf-token': csrfToken });
    assert.equal(after.status, 401);
  });

  test('repeated wrong passwords are throttled (429 with Retry-After)', async () => {
    // A username of its own: the throttle is per address and username, so other tests are unaffected.
    const login = (password: string) =>
      fetch(`${livehook.httpUrl}/console/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'throttle-victim', password }),
      });
    for (let i = 0; i < 5; i++) assert.equal((await login('guess')).status, 401);
    const refused = await login('guess');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(((await refused.json()) as { Error: { Message: string } }).Error.Message, /Too many failed sign-ins/);
  });

  test('GET / from a browser goes to /console; POST / is still the Tencent API', async () => {
    const page = await newPage(browser);
    await page.goto(`${livehook.httpUrl}/`);
    assert.equal(new URL(page.url()).pathname, '/console/');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const api = await fetch(`${livehook.httpUrl}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const body = (await api.json()) as { Response: { Error: { Code: string } } };
    assert.equal(body.Response.Error.Code, 'MissingParameter');
  });

  test('the pages work at phone width', async () => {
    const page = await newPage(browser, { width: 390, height: 844 });
    await signIn(page, livehook.httpUrl);
    await page.getByRole('heading', { name: 'Domain Management' }).waitFor();
    await page.getByRole('link', { name: 'Callback Events' }).click();
    await page.getByRole('heading', { name: 'Callback Events' }).waitFor();
    await page.getByText('No callback events match').waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `no horizontal scrolling of the whole page at 390 px (overflow ${overflow} px)`);
    await snapshot(page, 'phone-events');
  });
});
