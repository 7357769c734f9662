/** A pino logger for startTestLivehook({ log }) whose JSON lines go to a callback, parsed. */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type LogLine = Record<string, unknown> & { msg: string };

export function captureLog(onLine: (line: LogLine) => void, level = 'info'): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) onLine(JSON.parse(line) as LogLine);
      done();
    },
  });
  return pino({ level }, sink);
}
