/**
 * First start with an empty store: create the default account, an API key pair and the console
 * admin (README, "The two commands"). Generated secrets are returned so the caller can print them once; they are
 * never logged.
 */
import type { FirstStartSettings } from '../config.js';
import type { Db } from '../store/database.js';
import { countAccounts, insertAccount } from '../store/accounts.js';
import { insertApiKey } from '../store/api-keys.js';
import { insertAdmin } from '../store/admins.js';
import { getSetting, putSetting } from '../store/settings.js';
import { hashPassword } from './password.js';
import { generatePassword, generateSecretId, generateSecretKey, randomAlphanumeric } from './secrets.js';

export const DEFAULT_APPID = 1250000000;
export const ADMIN_USERNAME = 'admin';
const HOOK_TOKEN_SETTING = 'hook_token';

export interface BootstrapResult {
  /** Present only on the first start. */
  created?: {
    appId: number;
    secretId: string;
    /** Present when livehook generated it (not given as a first-start setting). */
    generatedSecretKey?: string;
    generatedAdminPassword?: string;
  };
  hookToken: string;
  /** True when the hook token was generated now. */
  generatedHookToken: boolean;
}

export async function bootstrap(
  db: Db,
  firstStart: FirstStartSettings,
  hookTokenFlag: string | undefined,
): Promise<BootstrapResult> {
  const result: BootstrapResult = { hookToken: '', generatedHookToken: false };
  if ((await countAccounts(db)) === 0) {
    const appId = firstStart.appId ?? DEFAULT_APPID;
    const secretId = firstStart.secretId ?? generateSecretId();
    const secretKey = firstStart.secretKey ?? generateSecretKey();
    const password = firstStart.adminPassword ?? generatePassword();
    const passwordHash = await hashPassword(password);
    await db.transaction().execute(async (trx) => {
      await insertAccount(trx, appId, 'default');
      await insertApiKey(trx, { secretId, secretKey, appId });
      await insertAdmin(trx, { username: ADMIN_USERNAME, passwordHash, appId });
    });
    result.created = {
      appId,
      secretId,
      ...(firstStart.secretKey ? {} : { generatedSecretKey: secretKey }),
      ...(firstStart.adminPassword ? {} : { generatedAdminPassword: password }),
    };
  }
  if (hookTokenFlag) {
    result.hookToken = hookTokenFlag;
  } else {
    const stored = await getSetting(db, HOOK_TOKEN_SETTING);
    if (stored) {
      result.hookToken = stored;
    } else {
      result.hookToken = randomAlphanumeric(32);
      result.generatedHookToken = true;
      await putSetting(db, HOOK_TOKEN_SETTING, result.hookToken);
    }
  }
  return result;
}
