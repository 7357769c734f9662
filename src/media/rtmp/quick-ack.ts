/**
 * Acknowledges at once what a socket has received (Linux's TCP_QUICKACK), instead of when the
 * kernel's delayed-ACK timer fires, ~40 ms later.
 *
 * Why the ingest needs it: a publisher that keeps Nagle's algorithm on (ffmpeg does) writes an
 * RTMP message's chunk header and its body apart, and holds the body until the header is
 * acknowledged. When livehook has no reply to send (the stream's metadata after publish), the
 * header waits for the delayed ACK, and so does push start. Linux acknowledges at once after the
 * option is set and goes back to delaying by itself, so it is set after every read that matters.
 *
 * Node has no such socket option: a small native addon (native/tcp-quick-ack, built by
 * `npm install`) sets it. Without the addon, or off Linux, nothing is set and the caller falls
 * back (docs/rtmp-ingest.md).
 */
import { createRequire } from 'node:module';
import type net from 'node:net';

interface QuickAckAddon {
  quickAck(fd: number): boolean;
}

const ADDON_PATH = '../../../native/tcp-quick-ack/build/Release/tcp_quick_ack.node';

function load(): { addon: QuickAckAddon } | { unavailable: string } {
  try {
    return { addon: createRequire(import.meta.url)(ADDON_PATH) as QuickAckAddon };
  } catch (error) {
    return { unavailable: `${error instanceof Error ? error.message.split('\n')[0] : String(error)} (run npm install to build it)` };
  }
}

const loaded = load();

/** Why quick ACKs cannot be sent here, or undefined when they can. */
export const quickAckUnavailable: string | undefined = 'unavailable' in loaded ? loaded.unavailable : undefined;

/** Acknowledges now what `socket` has received; false when that cannot be done here. */
export function quickAck(socket: net.Socket): boolean {
  if (!('addon' in loaded)) return false;
  // A connected net.Socket's handle carries its file descriptor (-1 where there is none).
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return fd !== undefined && fd >= 0 && loaded.addon.quickAck(fd);
}
