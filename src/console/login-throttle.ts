/**
 * Slows down password guessing: after `maxFailures` failed sign-ins for one client address and
 * username within `windowMs`, further attempts are refused until the window has passed. Keyed by
 * address *and* username so that a guesser cannot lock the real admin out from elsewhere.
 */
interface ThrottleOptions {
  /** Failures allowed per window (Default: 5). */
  readonly maxFailures?: number;
  /** Window length (Default: 15 minutes). */
  readonly windowMs?: number;
  readonly now?: () => number;
}

/** Above this many tracked keys, expired ones are dropped: guessing many usernames cannot grow memory without bound. */
const SWEEP_ABOVE = 10_000;

interface Failures {
  count: number;
  firstAt: number;
}

export class LoginThrottle {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #failures = new Map<string, Failures>();

  constructor(options: ThrottleOptions = {}) {
    this.#maxFailures = options.maxFailures ?? 5;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds until this key may try again; 0 when it may try now. */
  retryAfterMs(key: string): number {
    const entry = this.#failures.get(key);
    if (!entry) return 0;
    const left = entry.firstAt + this.#windowMs - this.#now();
    if (left <= 0) {
      this.#failures.delete(key);
      return 0;
    }
    return entry.count >= this.#maxFailures ? left : 0;
  }

  failed(key: string): void {
    const now = this.#now();
    if (this.#failures.size > SWEEP_ABOVE) this.#sweep(now);
    const entry = this.#failures.get(key);
    if (!entry || now - entry.firstAt >= this.#windowMs) this.#failures.set(key, { count: 1, firstAt: now });
    else entry.count += 1;
  }

  succeeded(key: string): void {
    this.#failures.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#failures) {
      if (now - entry.firstAt >= this.#windowMs) this.#failures.delete(key);
    }
  }
}
