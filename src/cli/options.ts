/** Config options as commander flags, and the one-line failure for a bad value. */
import { Option, type Command } from 'commander';
import { ConfigError, OPTIONS, envName, loadConfig, type Config, type OptionName } from '../config.js';

/** Adds the given config options as flags; every flag also reads LIVEHOOK_<NAME>. */
export function addConfigOptions(command: Command, names: readonly OptionName[]): Command {
  for (const name of names) {
    const option = OPTIONS[name];
    const isSwitch = option.default === false;
    const shownDefault = option.default === undefined || option.default === '' ? '' : `, default ${String(option.default)}`;
    command.addOption(
      new Option(isSwitch ? `--${option.flag}` : `--${option.flag} <value>`, `${option.help} [env ${envName(name)}${shownDefault}]`),
    );
  }
  return command;
}

/** A bad setting ends the process with one line naming it (exit 2); any other error is left alone. */
export function exitOnConfigError(rawError: unknown): void {
  if (rawError instanceof ConfigError) {
    process.stderr.write(`livehook: ${rawError.message}\n`);
    process.exit(2);
  }
}

/** Flags → validated config; a bad value ends the process with one line naming the flag. */
export function configFrom(flags: Record<string, unknown>): Config {
  try {
    return loadConfig(flags as Partial<Record<OptionName, unknown>>);
  } catch (rawError) {
    exitOnConfigError(rawError);
    throw rawError;
  }
}

/** The flags that say where the store is: enough for the management sub-commands. */
export const STORE_OPTIONS: readonly OptionName[] = ['dataDir', 'databaseUrl'];
