/**
 * A strict AMF0 decoder for RTMP command messages (docs/rtmp-ingest.md). The library's decoder
 * reads past a truncated string or number, or throws a TypeError, so every command is decoded
 * here first: anything short, unknown or too deeply nested is a ConnectionRefusal.
 */
import { ConnectionRefusal } from './connection-refusal.js';

export type Amf0Value = number | boolean | string | null | undefined | Date | Amf0Value[] | Amf0Object;
/** Null-prototype: a key named `__proto__` stays a plain key. */
export type Amf0Object = { [key: string]: Amf0Value };

const MAX_DEPTH = 8;
const OBJECT_END = 0x09;

class Reader {
  offset = 0;
  constructor(readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  take(length: number, what: string): Buffer {
    if (length > this.remaining) throw new ConnectionRefusal(`truncated AMF0 ${what}`);
    const bytes = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return bytes;
  }

  byte(what: string): number {
    return this.take(1, what)[0]!;
  }

  string(lengthBytes: 2 | 4): string {
    const length = this.take(lengthBytes, 'string length').readUIntBE(0, lengthBytes);
    return this.take(length, 'string').toString('utf8');
  }
}

function properties(reader: Reader, depth: number): Amf0Object {
  const object = Object.create(null) as Amf0Object;
  for (;;) {
    const key = reader.string(2);
    if (key === '' && reader.remaining > 0 && reader.buffer[reader.offset] === OBJECT_END) {
      reader.offset += 1;
      return object;
    }
    object[key] = value(reader, depth + 1);
  }
}

function value(reader: Reader, depth: number): Amf0Value {
  if (depth > MAX_DEPTH) throw new ConnectionRefusal('AMF0 value nested too deeply');
  const marker = reader.byte('type marker');
  switch (marker) {
    case 0x00:
      return reader.take(8, 'number').readDoubleBE(0);
    case 0x01:
      return reader.byte('boolean') !== 0;
    case 0x02:
      return reader.string(2);
    case 0x03:
      return properties(reader, depth);
    case 0x05:
      return null;
    case 0x06:
      return undefined;
    case 0x08:
      reader.take(4, 'ECMA array count'); // a hint only: the entries end with an object end
      return properties(reader, depth);
    case 0x0a: {
      const count = reader.take(4, 'strict array count').readUInt32BE(0);
      // Each entry takes at least one byte: a larger count is a lie, not an allocation.
      if (count > reader.remaining) throw new ConnectionRefusal('truncated AMF0 strict array');
      const items: Amf0Value[] = [];
      for (let i = 0; i < count; i++) items.push(value(reader, depth + 1));
      return items;
    }
    case 0x0b: {
      const date = new Date(reader.take(10, 'date').readDoubleBE(0));
      return date;
    }
    case 0x0c:
      return reader.string(4);
    default:
      throw new ConnectionRefusal(`unsupported AMF0 type marker 0x${marker.toString(16)}`);
  }
}

/** The values of an AMF0 command message, in order (name, transaction id, command object, …). */
export function decodeAmf0(payload: Buffer): Amf0Value[] {
  const reader = new Reader(payload);
  const values: Amf0Value[] = [];
  while (reader.remaining > 0) values.push(value(reader, 0));
  return values;
}
