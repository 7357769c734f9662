/**
 * Why the embedded ingest closes one RTMP connection: hostile or broken input from that client.
 * Thrown anywhere while a connection's bytes are parsed; the connection catches it, logs the
 * reason once with the peer's address, and closes itself (never anything else).
 */
export class ConnectionRefusal extends Error {
  override name = 'ConnectionRefusal';
}
