/** `livehook keys create|list|revoke`: API key pairs (SecretId/SecretKey) per account. */
import type { Command } from 'commander';
import { generateSecretId, generateSecretKey } from '../accounts/secrets.js';
import { findAccount } from '../store/accounts.js';
import { insertApiKey, listApiKeys, revokeApiKey } from '../store/api-keys.js';
import { addConfigOptions, STORE_OPTIONS } from './options.js';
import { parseAppId, withStore } from './with-store.js';

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('Manage API key pairs');
  addConfigOptions(
    keys.command('create').description('Create a key pair; the SecretKey is printed once').requiredOption('--appid <n>', 'AppId'),
    STORE_OPTIONS,
  ).action((flags: Record<string, unknown>) =>
    withStore(flags, async (db) => {
      const appId = parseAppId(flags.appid);
      if (!(await findAccount(db, appId))) throw new Error(`no account ${appId}; create it with: livehook accounts create --appid ${appId}`);
      const secretId = generateSecretId();
      const secretKey = generateSecretKey();
      await insertApiKey(db, { secretId, secretKey, appId });
      process.stdout.write(`SecretId:  ${secretId}\nSecretKey: ${secretKey}\n`);
    }),
  );
  addConfigOptions(
    keys.command('list').description('List key pairs (SecretKeys are not shown)').option('--appid <n>', 'Only this AppId'),
    STORE_OPTIONS,
  ).action((flags: Record<string, unknown>) =>
    withStore(flags, async (db) => {
      const appId = flags.appid === undefined ? undefined : parseAppId(flags.appid);
      for (const k of await listApiKeys(db, appId)) {
        process.stdout.write(`${k.secret_id}\t${k.app_id}\t${k.status}\t${new Date(Number(k.created_at)).toISOString()}\n`);
      }
    }),
  );
  addConfigOptions(keys.command('revoke').description('Revoke a key pair').argument('<secretId>'), STORE_OPTIONS).action(
    (secretId: string, flags: Record<string, unknown>) =>
      withStore(flags, async (db) => {
        if (!(await revokeApiKey(db, secretId))) throw new Error(`no active key ${secretId}`);
        process.stdout.write(`revoked ${secretId}\n`);
      }),
  );
}
