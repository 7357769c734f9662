/**
 * Answers a repeated read from memory while nothing has been committed to the store since it was
 * read. On SQLite the store's change stamp moves with every commit, by this connection or any
 * other (another process's CLI, the checkpointer): reads are never stale. On PostgreSQL there is
 * no stamp that cheap, and every read goes to the database.
 *
 * Only for reads that are a function of the stored rows alone (not of the clock or live state).
 */
export class ReadCache<V> {
  readonly #changeStamp: (() => string) | undefined;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, V>();
  #stamp: string | undefined;

  constructor(changeStamp: (() => string) | undefined, maxEntries = 1_000) {
    this.#changeStamp = changeStamp;
    this.#maxEntries = maxEntries;
  }

  /**
   * `stamp`: the store's change stamp when the caller's request began, if it has one already; the
   * answer is then as of that moment (one stamp serves every read of a request).
   */
  async get(key: string, read: () => Promise<V>, stamp = this.#changeStamp?.()): Promise<V> {
    if (!this.#changeStamp || stamp === undefined) return read();
    if (stamp !== this.#stamp) {
      this.#entries.clear();
      this.#stamp = stamp;
    }
    if (this.#entries.has(key)) return this.#entries.get(key)!;
    const value = await read();
    // A commit while it was read (another request's write): the value may be older than the stamp.
    if (this.#changeStamp() === stamp && this.#stamp === stamp) {
      // Bounded against clients asking for ever new keys (unknown SecretIds).
      if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
      this.#entries.set(key, value);
    }
    return value;
  }
}
