/** `livehook accounts create|list`: accounts are AppIds; every resource belongs to one. */
import type { Command } from 'commander';
import { findAccount, insertAccount, listAccounts } from '../store/accounts.js';
import { addConfigOptions, STORE_OPTIONS } from './options.js';
import { parseAppId, withStore } from './with-store.js';

export function registerAccountCommands(program: Command): void {
  const accounts = program.command('accounts').description('Manage accounts (AppIds)');
  addConfigOptions(
    accounts.command('create').description('Create an account').requiredOption('--appid <n>', 'AppId').option('--name <name>', 'Display name', ''),
    STORE_OPTIONS,
  ).action((flags: Record<string, unknown>) =>
    withStore(flags, async (db) => {
      const appId = parseAppId(flags.appid);
      if (await findAccount(db, appId)) throw new Error(`account ${appId} already exists`);
      await insertAccount(db, appId, String(flags.name ?? ''));
      process.stdout.write(`created account ${appId}\n`);
    }),
  );
  addConfigOptions(accounts.command('list').description('List accounts'), STORE_OPTIONS).action(
    (flags: Record<string, unknown>) =>
      withStore(flags, async (db) => {
        for (const a of await listAccounts(db)) {
          process.stdout.write(`${a.app_id}\t${a.name}\t${new Date(Number(a.created_at)).toISOString()}\n`);
        }
      }),
  );
}
