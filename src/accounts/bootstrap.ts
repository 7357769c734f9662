/**
 * First start with an empty store: create the default account, an API key pair and the console
 * admin (SPEC §2). Generated secrets are returned so the caller can print them once; they are
 * never logged.
 */
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
    /** Present when livehook generated it (not given through the environment). */
    generatedSecretKey?: string;
    generatedAdminPassword?: string;
  };
  hookToken: string;
  /** True when the hook token was generated now. */
  generatedHookToken: boolean;
}

export async function bootstrap(
  db: Db,
  env: NodeJS.ProcessEnv,
  hookTokenFlag: string | undefined,
): Promise<BootstrapResult> {
  const result: BootstrapResult = { hookToken: '', generatedHookToken: false };
  if ((await countAccounts(db)) === 0) {
    const appId = env.LIVEHOOK_APPID ? Number(env.LIVEHOOK_APPID) : DEFAULT_APPID;
    if (!Number.isSafeInteger(appId) || appId <= 0) {
      throw new Error(`invalid LIVEHOOK_APPID: expected a positive integer (got ${JSON.stringify(env.LIVEHOOK_APPID)})`);
    }
    const secretId = env.LIVEHOOK_SECRET_ID || generateSecretId();
    const secretKey = env.LIVEHOOK_SECRET_KEY || generateSecretKey();
    const password = env.LIVEHOOK_ADMIN_PASSWORD || generatePassword();
    const passwordHash = await hashPassword(password);
    await db.transaction().execute(async (trx) => {
      await insertAccount(trx, appId, 'default');
      await insertApiKey(trx, { secretId, secretKey, appId });
      await insertAdmin(trx, { username: ADMIN_USERNAME, passwordHash, appId });
    });
    result.created = {
      appId,
      secretId,
      ...(env.LIVEHOOK_SECRET_KEY ? {} : { generatedSecretKey: secretKey }),
      ...(env.LIVEHOOK_ADMIN_PASSWORD ? {} : { generatedAdminPassword: password }),
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
