/**
 * What each console test starts from: a real livehook (with its SDK client), a real callback
 * receiver, and a Chromium page of its own. (A push domain with a bound callback template, for
 * tests whose subject is elsewhere: bindDomain in test/helpers/callbacks.ts.)
 */
import type { Browser, Page } from 'playwright-core';
import type { OptionName } from '../../src/config.js';
import { startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';
import { launchChromium, newPage } from './browser.js';

export interface ConsoleHarness {
  readonly livehook: TestLivehook;
  readonly client: LiveClient;
  readonly receiver: Receiver;
  readonly browser: Browser;
  readonly page: Page;
  close(): Promise<void>;
}

export async function startConsoleHarness(flags: Partial<Record<OptionName, unknown>> = {}): Promise<ConsoleHarness> {
  const browser = await launchChromium();
  let receiver: Receiver | undefined;
  let livehook: TestLivehook;
  try {
    receiver = await Receiver.start();
    livehook = await startTestLivehook({ flags });
  } catch (rawError) {
    await browser.close();
    await receiver?.close();
    throw rawError;
  }
  return {
    livehook,
    client: livehook.client(),
    receiver,
    browser,
    page: await newPage(browser),
    close: async () => {
      await browser.close();
      await livehook.stop();
      await receiver.close();
    },
  };
}
