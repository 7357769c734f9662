/**
 * Console sign-in sessions, kept in memory: a restart signs everyone out, which is acceptable for
 * an admin console and keeps session secrets out of the database. A session ends after
 * `idleMs` without a request or `maxAgeMs` after sign-in, whichever comes first.
 */
import { randomBytes } from 'node:crypto';

export interface Session {
  /** The cookie value: 256 random bits. */
  readonly id: string;
  /** Sent back in the X-CSRF-Token header on every state-changing call. */
  readonly csrfToken: string;
  readonly username: string;
  /** The account the admin acts for: every action runs with it. */
  readonly appId: number;
  readonly createdAt: number;
  lastSeenAt: number;
}

interface SessionOptions {
  /** Idle timeout (Default: 30 minutes). */
  readonly idleMs?: number;
  /** Absolute lifetime (Default: 12 hours). */
  readonly maxAgeMs?: number;
  /** Clock, replaceable in tests (Default: Date.now). */
  readonly now?: () => number;
}

const token = (): string => randomBytes(32).toString('base64url');

export class SessionStore {
  readonly idleMs: number;
  readonly maxAgeMs: number;
  readonly #now: () => number;
  readonly #sessions = new Map<string, Session>();

  constructor(options: SessionOptions = {}) {
    this.idleMs = options.idleMs ?? 30 * 60_000;
    this.maxAgeMs = options.maxAgeMs ?? 12 * 3600_000;
    this.#now = options.now ?? Date.now;
  }

  create(admin: { username: string; appId: number }): Session {
    const now = this.#now();
    this.#sweep(now);
    const session: Session = { id: token(), csrfToken: token(), username: admin.username, appId: admin.appId, createdAt: now, lastSeenAt: now };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id (its idle clock restarts), or undefined. */
  touch(id: string | undefined): Session | undefined {
    const session = id === undefined ? undefined : this.#sessions.get(id);
    if (!session) return undefined;
    const now = this.#now();
    if (this.#expired(session, now)) {
      this.#sessions.delete(session.id);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  #expired(session: Session, now: number): boolean {
    return now - session.lastSeenAt > this.idleMs || now - session.createdAt > this.maxAgeMs;
  }

  /** Drops expired sessions, so that abandoned ones do not pile up between sign-ins. */
  #sweep(now: number): void {
    for (const session of this.#sessions.values()) {
      if (this.#expired(session, now)) this.#sessions.delete(session.id);
    }
  }
}
