/**
 * Real Chromium for the console tests: Debian's /usr/bin/chromium driven by playwright-core
 * (which never downloads a browser). A missing chromium fails the test with a message naming
 * it, never a skip. The flags keep a headless Chromium from hanging on this network-closed
 * machine (lookups, component updates, sync).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WEB_BUILD_DIR } from '../../src/console/static.js';

const CHROMIUM = '/usr/bin/chromium';
export const ADMIN_PASSWORD = 'admin-password-for-tests';

/** Generous: the test machine has two cores shared with other test runs. */
const UI_TIMEOUT_MS = 30_000;

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(path.join(WEB_BUILD_DIR, 'index.html'))) {
    throw new Error(`the console is not built (${WEB_BUILD_DIR} has no index.html); run \`npm run build:console\` (scripts/setup.sh does)`);
  }
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`the console tests need Chromium at ${CHROMIUM}; install Debian's chromium package (scripts/setup.sh does)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh page (own cookies) at 1280×800, with generous waits. */
export async function newPage(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  return context.newPage();
}

export async function signIn(page: Page, baseUrl: string, password = ADMIN_PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Domain Management → search for the domain (other tests add more than a page of them) → its details. */
export async function openDomain(page: Page, domain: string): Promise<void> {
  await page.getByRole('link', { name: 'Domain Management' }).first().click();
  await page.getByLabel('Search by domain prefix').fill(domain);
  await page.getByRole('link', { name: domain }).click();
}

/** Saves a screenshot under test-output/console/ (gitignored) for a human to look at. */
export async function snapshot(page: Page, name: string): Promise<void> {
  const dir = path.resolve('test-output/console');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
