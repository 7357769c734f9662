/**
 * A port livehook cannot listen on at start-up (in use, not permitted, address not available).
 * `livehook serve` prints its message as one line and exits 1 (README, "The two commands").
 */
export class ListenError extends Error {
  override name = 'ListenError';

  /** `what` cannot listen on host:port; `flags` are the options that choose them. */
  constructor(what: string, host: string, port: number, flags: string, cause: unknown) {
    super(`${what} cannot listen on ${host} port ${port} (${flags}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
