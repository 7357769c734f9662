#!/usr/bin/env node
/**
 * The `livehook` command. With no sub-command it runs the service (`npm start -- [flags]`);
 * `accounts` and `keys` manage accounts and API key pairs in the same store.
 */
import { Command } from 'commander';
import { OPTIONS, type OptionName } from '../config.js';
import { registerAccountCommands } from './accounts.js';
import { registerKeyCommands } from './keys.js';
import { addConfigOptions, configFrom } from './options.js';
import { runServer } from './serve.js';

const program = new Command('livehook')
  .description('Self-hosted Tencent Cloud CSS-compatible live-stream callbacks')
  .showHelpAfterError();

addConfigOptions(
  program.command('serve', { isDefault: true }).description('Run livehook (the default command)'),
  Object.keys(OPTIONS) as OptionName[],
).action(async (flags: Record<string, unknown>) => runServer(configFrom(flags)));

registerAccountCommands(program);
registerKeyCommands(program);

await program.parseAsync(process.argv);
