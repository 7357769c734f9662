/**
 * How much of the embedded ingest one client, and all of them, may hold (docs/rtmp-ingest.md):
 * connections at once in all and per client IP, and the deadlines a connection must meet.
 */
export interface IngestLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  /** From accept to the end of the handshake (C2 received). */
  readonly handshakeTimeoutMs: number;
  /** From accept to publish or play. */
  readonly setupTimeoutMs: number;
  /** A publisher that sends no audio, video or data message for this long is ended (errcode 8). */
  readonly idleTimeoutMs: number;
}

/** Counts open connections, in all and per client IP. */
export class ConnectionCounter {
  #total = 0;
  readonly #perIp = new Map<string, number>();

  constructor(private readonly limits: Pick<IngestLimits, 'maxConnections' | 'maxConnectionsPerIp'>) {}

  /** Takes a place for a new connection from `ip`, or says why there is none. */
  take(ip: string): string | undefined {
    if (this.#total >= this.limits.maxConnections) return `already ${this.#total} RTMP connections (--rtmp-max-connections)`;
    const fromIp = this.#perIp.get(ip) ?? 0;
    if (fromIp >= this.limits.maxConnectionsPerIp) return `already ${fromIp} RTMP connections from this address (--rtmp-max-connections-per-ip)`;
    this.#total += 1;
    this.#perIp.set(ip, fromIp + 1);
    return undefined;
  }

  release(ip: string): void {
    this.#total -= 1;
    const fromIp = (this.#perIp.get(ip) ?? 1) - 1;
    if (fromIp > 0) this.#perIp.set(ip, fromIp);
    else this.#perIp.delete(ip);
  }
}
