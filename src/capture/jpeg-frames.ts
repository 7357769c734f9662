/**
 * Splits ffmpeg's `image2pipe` MJPEG output into single JPEG images. ffmpeg's encoder writes
 * each image as SOI (FF D8) … EOI (FF D9) with no embedded thumbnail, so an EOI ends an image.
 */
import { Transform, type TransformCallback } from 'node:stream';

export class JpegFrames extends Transform {
  #buffer: Buffer = Buffer.alloc(0);

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    for (;;) {
      const start = this.#buffer.indexOf(SOI);
      if (start < 0) {
        this.#buffer = Buffer.alloc(0);
        break;
      }
      const end = this.#buffer.indexOf(EOI, start + 2);
      if (end < 0) {
        this.#buffer = this.#buffer.subarray(start);
        break;
      }
      this.push(Buffer.from(this.#buffer.subarray(start, end + 2)));
      this.#buffer = this.#buffer.subarray(end + 2);
    }
    done();
  }
}

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

/** Splits a byte stream into fixed-size frames (raw RGB for the classifier). */
export class FixedFrames extends Transform {
  #buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly frameBytes: number) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    while (this.#buffer.length >= this.frameBytes) {
      this.push(Buffer.from(this.#buffer.subarray(0, this.frameBytes)));
      this.#buffer = this.#buffer.subarray(this.frameBytes);
    }
    done();
  }
}
