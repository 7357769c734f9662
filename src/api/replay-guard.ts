/**
 * Refuses a request that was already accepted while its signature is still valid
 * (docs/api-signing.md, "Replays"). A v1 request is identified by its SecretId, Timestamp and
 * Nonce, a TC3 request by its signature. The record lives in the store, so every instance on one
 * PostgreSQL database shares it, and is forgotten once the window has closed: the table holds at
 * most the requests of the last ten minutes.
 */
import type { Db } from '../store/database.js';
import { claimRequestSignature, purgeExpiredRequestSignatures } from '../store/request-signatures.js';
import { apiError } from './errors.js';
import { MAX_CLOCK_SKEW_SECONDS } from './authenticate.js';

/** Expired rows are deleted at most this often, on the back of a claim. */
const PURGE_INTERVAL_MS = 30_000;

export class ReplayGuard {
  #lastPurge = 0;

  constructor(private readonly db: Db) {}

  /**
   * Records `key`, a request signed at `timestamp` (Unix seconds), or refuses it with
   * AuthFailure.SignatureFailure when the same key was accepted before.
   */
  async claim(key: string, timestamp: number, what: string): Promise<void> {
    const now = Date.now();
    if (now - this.#lastPurge >= PURGE_INTERVAL_MS) {
      this.#lastPurge = now;
      await purgeExpiredRequestSignatures(this.db, now);
    }
    const expiresAt = (timestamp + MAX_CLOCK_SKEW_SECONDS + 1) * 1000;
    if (!(await claimRequestSignature(this.db, key, expiresAt))) {
      throw apiError('AuthFailure.SignatureFailure', `${what} was already used; sign the request again.`);
    }
  }
}
