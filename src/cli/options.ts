/** Config options as commander flags, and the one-line failure for a bad value. */
import { Option, type Command } from 'commander';
import { ConfigError, OPTIONS, StartupRefusal, envName, flagOf, loadConfig, type Config, type OptionName } from '../config.js';

/** Adds the given config options as flags; every flag also reads LIVEHOOK_<NAME>. */
export function addConfigOptions(command: Command, names: readonly OptionName[]): Command {
  for (const name of names) {
    const option = OPTIONS[name];
    const negatable = 'negatable' in option;
    const isSwitch = option.default === false || negatable;
    const shownDefault = option.default === undefined || option.default === '' ? '' : `, default ${String(option.default)}`;
    const flag = new Option(isSwitch ? flagOf(name) : `${flagOf(name)} <value>`, `${option.help} [env ${envName(name)}${shownDefault}]`);
    command.addOption(flag);
    // A lone --no-X makes commander default X to true, which would hide LIVEHOOK_X: unset, the
    // value is left to loadConfig (flag, then environment, then default).
    if (negatable) command.setOptionValueWithSource(flag.attributeName(), undefined, 'default');
  }
  return command;
}

/**
 * A bad setting (exit 2), or settings livehook cannot run with together (exit 1), ends the process
 * with one line naming them; any other error is left alone.
 */
export function exitOnConfigError(rawError: unknown): void {
  const exitCode = rawError instanceof ConfigError ? 2 : rawError instanceof StartupRefusal ? 1 : undefined;
  if (exitCode === undefined) return;
  process.stderr.write(`livehook: ${(rawError as Error).message}\n`);
  process.exit(exitCode);
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
