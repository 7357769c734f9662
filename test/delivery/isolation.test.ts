/**
 * Isolation (docs/delivery.md): each target host has its own concurrency cap, so a receiver that never
 * answers does not slow deliveries to the others. Ten receivers on distinct ports of 127.0.0.1
 * (ten host:port lanes), one of them a black hole. 2,000 events spread over the ten: the nine
 * healthy receivers must get all of theirs long before the black hole's attempts time out.
 *
 * Measuring: two livehooks in this process share the nine healthy receivers; one also has a
 * domain bound to the black hole. Runs alternate between them (clean, with hole, clean, …) and
 * the best run of each side is reported. If the black hole blocked the others, healthy
 * deliveries would wait for its 20 s timeouts; a run takes ~1 s without it. The throughput ratio
 * itself (target ≥ 90 %) is measured by bench/delivery.ts on a quiet machine: here the suite
 * shares two cores with other test files and run times swing several-fold.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { startTestLivehook, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';
import { bindDomain, snapshotEvent, startEvent, streamContext } from '../helpers/callbacks.js';

const HEALTHY = 9;
const PER_HOST = 200;
/** The black hole's attempts time out after this long (the product's default). */
const TIMEOUT_MS = 20_000;
const PAIRS = 3;

interface Side {
  readonly lh: TestLivehook;
  /** Domain bound to each healthy receiver, by receiver index. */
  readonly healthyDomains: string[];
  /** Domain bound to the black hole (only on the "with hole" side). */
  readonly holeDomain?: string;
}

describe('a black-hole receiver does not stall the others', () => {
  const healthy: Receiver[] = [];
  let hole: Receiver;
  let clean: Side;
  let withHole: Side;

  const start = () =>
    startTestLivehook({
      flags: { allowPrivateCallbacks: true, retryDelayScale: 0.001, callbackTimeoutMs: TIMEOUT_MS, shutdownTimeoutMs: 500 },
    });

  async function bindAll(lh: TestLivehook, prefix: string, withBlackHole: boolean): Promise<Side> {
    const client = lh.client();
    const healthyDomains: string[] = [];
    for (const [i, rx] of healthy.entries()) {
      const domain = `${prefix}${i}.isolation.example.com`;
      await bindDomain(client, domain, { StreamBeginNotifyUrl: rx.url('/cb'), SnapshotNotifyUrl: rx.url('/cb') }, 'IsoKey');
      healthyDomains.push(domain);
    }
    if (!withBlackHole) return { lh, healthyDomains };
    const holeDomain = `${prefix}hole.isolation.example.com`;
    await bindDomain(client, holeDomain, { StreamBeginNotifyUrl: hole.url('/cb'), SnapshotNotifyUrl: hole.url('/cb') }, 'IsoKey');
    return { lh, healthyDomains, holeDomain };
  }

  before(async () => {
    for (let i = 0; i < HEALTHY; i++) healthy.push(await Receiver.start());
    hole = (await Receiver.start()).blackHole();
    clean = await bindAll(await start(), 'clean', false);
    withHole = await bindAll(await start(), 'hole', true);
  });
  after(async () => {
    // Destroy the black hole's sockets first so that shutdown does not wait on them.
    await hole?.close();
    for (const rx of healthy) await rx.close();
    await clean?.lh.stop();
    await withHole?.lh.stop();
  });

  /**
   * Emits PER_HOST events per receiver of the side (the black hole's first in every round, so
   * that a shared queue would put them ahead of everyone else; no sequence, so no ordering
   * constraint) and returns how long the healthy receivers took to get all of theirs.
   */
  async function run(side: Side, perHost = PER_HOST): Promise<number> {
    const before = healthy.map((rx) => rx.requests.length);
    const events = [];
    for (let n = 0; n < perHost; n++) {
      if (side.holeDomain) events.push(startEvent(streamContext(side.holeDomain, `hole${n}`)));
      for (const domain of side.healthyDomains) events.push(startEvent(streamContext(domain, `s${n}`)));
    }
    const started = performance.now();
    await Promise.all(events.map((e) => side.lh.events.emit(e)));
    await Promise.all(healthy.map((rx, i) => rx.waitFor(before[i]! + perHost, { timeoutMs: TIMEOUT_MS })));
    return performance.now() - started;
  }

  test(`2,000 events over 10 hosts: the 9 healthy ones get theirs before the black hole times out`, async (t) => {
    // Warm-up (JIT, connections) on both sides.
    await run(clean, 50);
    const holeBefore = hole.requests.length;
    const first = await run(withHole);
    const holeAttempts = hole.requests.length - holeBefore;
    assert.ok(holeAttempts > 0, 'the black hole was being sent to');
    if (first < TIMEOUT_MS) {
      // Nothing of the black hole has timed out yet: it holds exactly its per-host cap in flight.
      assert.ok(holeAttempts <= 16, `black hole got ${holeAttempts} attempts (cap: 16 in flight)`);
    }

    const cleanTimes: number[] = [];
    const holeTimes: number[] = [first];
    for (let pair = 0; pair < PAIRS; pair++) {
      cleanTimes.push(await run(clean));
      if (pair < PAIRS - 1) holeTimes.push(await run(withHole));
    }
    const bestClean = Math.min(...cleanTimes);
    const bestHole = Math.min(...holeTimes);
    const ratio = bestClean / bestHole;
    const summary =
      `${HEALTHY * PER_HOST} healthy events per run; clean runs ${cleanTimes.map((t) => t.toFixed(0)).join('/')} ms, ` +
      `with the black hole ${holeTimes.map((t) => t.toFixed(0)).join('/')} ms; best-run throughput ratio ${(ratio * 100).toFixed(0)} %`;
    t.diagnostic(summary);
    assert.ok(bestHole < TIMEOUT_MS, `healthy hosts done in ${bestHole.toFixed(0)} ms: before the black hole's ${TIMEOUT_MS} ms timeout. ${summary}`);
  });

  test('screenshots to a healthy host do not wait behind screenshots to the black hole', async () => {
    const rx = healthy[0]!;
    const before = rx.requests.length;
    const started = performance.now();
    await Promise.all([
      ...Array.from({ length: 100 }, (_, n) => withHole.lh.events.emit(snapshotEvent(streamContext(withHole.holeDomain!, `hole_snap${n}`)))),
      ...Array.from({ length: 100 }, (_, n) => withHole.lh.events.emit(snapshotEvent(streamContext(withHole.healthyDomains[0]!, `ok_snap${n}`)))),
    ]);
    await rx.waitFor(before + 100, { timeoutMs: 10_000 });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < TIMEOUT_MS, `100 screenshots in ${elapsed.toFixed(0)} ms, before the black hole's first timeout`);
  });
});
