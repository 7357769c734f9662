/** `livehook serve`: run the service until SIGTERM/SIGINT, then drain and exit 0. */
import type { Config } from '../config.js';
import { startLivehook } from '../main.js';
import { ListenError } from '../ops/listen-error.js';
import type { BootstrapResult } from '../accounts/bootstrap.js';
import { exitOnConfigError } from './options.js';
import { exitOnStoreFailure } from './store-failure.js';

/**
 * Generated credentials are shown once on the terminal, outside the structured log, so that
 * log shipping never carries them (README, "The two commands").
 */
function printGeneratedSecrets(boot: BootstrapResult): void {
  const lines: string[] = [];
  if (boot.created) {
    lines.push(`AppId:     ${boot.created.appId}`, `SecretId:  ${boot.created.secretId}`);
    if (boot.created.generatedSecretKey) lines.push(`SecretKey: ${boot.created.generatedSecretKey}`);
    if (boot.created.generatedAdminPassword) lines.push(`Console:   admin / ${boot.created.generatedAdminPassword}`);
  }
  if (boot.generatedHookToken) lines.push(`Hook token (media-server hooks): ${boot.hookToken}`);
  if (lines.length === 0) return;
  process.stdout.write(
    ['', '=== livehook: first start — save these now, they are not shown again ===', ...lines, ''].join('\n') + '\n',
  );
}

/** A port livehook cannot listen on ends start-up with one line naming it and the cause, exit code 1. */
function exitOnListenError(rawError: unknown): void {
  if (!(rawError instanceof ListenError)) return;
  process.stderr.write(`livehook: ${rawError.message}\n`);
  process.exit(1);
}

export async function runServer(config: Config): Promise<void> {
  const livehook = await startLivehook(config, { env: process.env }).catch((rawError: unknown) => {
    exitOnConfigError(rawError); // a bad first-start setting (FIRST_START_ENV), or roles refused
    exitOnStoreFailure(rawError, config.databaseUrl);
    exitOnListenError(rawError);
    throw rawError;
  });
  printGeneratedSecrets(livehook.bootstrap);
  const stop = (signal: string) => {
    livehook.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      livehook.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    livehook.close().then(
      () => process.exit(0),
      (rawError: unknown) => {
        livehook.log.error({ err: rawError }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
