/**
 * The load process of bench/hooks.ts (a child of it, so that sending load costs none of the
 * bench's or livehook's CPU). It gets one job over IPC, runs it over keep-alive connections and
 * answers with the figures:
 * - `bare`: N small JSON POSTs to the receiver, `concurrency` at a time: the ceiling;
 * - `hooks`: N push sessions, each a publish hook then its publish-done hook, alternately in
 *   nginx-rtmp's form body and SRS's JSON, `concurrency` sessions at a time. Session k publishes
 *   to instance k % n and ends through instance (k + 1) % n, so with two instances every end
 *   arrives where its start did not.
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

export type LoadJob =
  | { readonly kind: 'bare'; readonly url: string; readonly requests: number; readonly concurrency: number }
  | {
      readonly kind: 'hooks';
      readonly baseUrls: readonly string[];
      readonly token: string;
      readonly domain: string;
      /** `?txSecret=…&txTime=…` per stream name, computed by the bench (it knows the key). */
      readonly queries: readonly string[];
      readonly concurrency: number;
    };

export interface LoadResult {
  readonly startedAt: number;
  readonly endedAt: number;
  /** Per request, ms. */
  readonly latencies: number[];
  /** Requests answered with a refusal or an error, with one example. */
  readonly refused: number;
  readonly example: string;
}

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256, pipelining: 1 });
const wallClock = (): number => performance.timeOrigin + performance.now();

async function run(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  let refused = 0;
  let example = '';
  const send = async (url: string, body: string, contentType: string, ok: (status: number, text: string) => boolean): Promise<void> => {
    const t0 = performance.now();
    const response = await request(url, { method: 'POST', body, headers: { 'content-type': contentType }, dispatcher: agent });
    const text = await response.body.text();
    latencies.push(performance.now() - t0);
    if (!ok(response.statusCode, text)) {
      refused++;
      example ||= `${url.split('?')[0]} → HTTP ${response.statusCode} ${text.slice(0, 200)}`;
    }
  };
  const total = job.kind === 'bare' ? job.requests : job.queries.length;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let k = next++; k < total; k = next++) {
      if (job.kind === 'bare') {
        await send(job.url, `{"bare":${k}}`, 'application/json', (status) => status === 200);
        continue;
      }
      const n = job.baseUrls.length;
      const [startAt, endAt] = [job.baseUrls[k % n]!, job.baseUrls[(k + 1) % n]!];
      const stream = `s${k}`;
      const query = job.queries[k]!;
      if (k % 2 === 0) {
        const connection = `app=live&flashver=FMLE%2F3.0&swfurl=&tcurl=rtmp://${job.domain}/live&pageurl=&addr=198.51.100.${k % 250}&clientid=${k}`;
        const ok = (status: number) => status >= 200 && status < 300;
        await send(`${startAt}/hooks/nginx-rtmp/on_publish?token=${job.token}`, `${connection}&call=publish&name=${stream}&type=live&${query}`, 'application/x-www-form-urlencoded', ok);
        await send(`${endAt}/hooks/nginx-rtmp/on_publish_done?token=${job.token}`, `${connection}&call=publish_done&name=${stream}&${query}`, 'application/x-www-form-urlencoded', ok);
      } else {
        const body = (action: string) =>
          JSON.stringify({ server_id: 'vid-bench', action, client_id: `c${k}`, ip: `198.51.100.${k % 250}`, vhost: job.domain, app: 'live', tcUrl: `rtmp://${job.domain}/live`, stream, param: `?${query}` });
        const ok = (status: number, text: string) => status === 200 && text.includes('"code":0');
        await send(`${startAt}/hooks/srs?token=${job.token}`, body('on_publish'), 'application/json', ok);
        await send(`${endAt}/hooks/srs?token=${job.token}`, body('on_unpublish'), 'application/json', ok);
      }
    }
  };
  const startedAt = wallClock();
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return { startedAt, endedAt: wallClock(), latencies, refused, example };
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send!(result, () => process.exit(0)),
    (rawError: unknown) => {
      console.error(rawError);
      process.exit(1);
    },
  );
});
