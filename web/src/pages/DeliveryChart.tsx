/** Deliveries per minute by outcome, as stacked inline-SVG bars (no chart library needed). */
import type { EventInfo } from '../types';

export const attemptSucceeded = (a: { StatusCode: number; ErrorKind: string }) => a.StatusCode >= 200 && a.StatusCode < 300 && !a.ErrorKind;

export function DeliveryChart({ events }: { events: EventInfo[] }) {
  const perMinute = new Map<string, { ok: number; failed: number }>();
  for (const attempt of events.flatMap((e) => e.AttemptList)) {
    const minute = attempt.Time.slice(0, 16);
    const bucket = perMinute.get(minute) ?? { ok: 0, failed: 0 };
    if (attemptSucceeded(attempt)) bucket.ok += 1;
    else bucket.failed += 1;
    perMinute.set(minute, bucket);
  }
  const minutes = [...perMinute.keys()].sort().slice(-30);
  if (minutes.length === 0) return null;
  const max = Math.max(...minutes.map((m) => perMinute.get(m)!.ok + perMinute.get(m)!.failed));
  const barWidth = 24;
  const height = 100;
  const width = minutes.length * barWidth + 40;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height + 30}`} width="100%" height={height + 30} role="img" aria-label="Delivery attempts per minute, delivered and failed">
        <text x="0" y="10" className="axis">
          {max}
        </text>
        {minutes.map((minute, i) => {
          const { ok, failed } = perMinute.get(minute)!;
          const x = 30 + i * barWidth;
          const okHeight = (ok / max) * height;
          const failedHeight = (failed / max) * height;
          return (
            <g key={minute}>
              <title>{`${minute}: ${ok} delivered, ${failed} failed`}</title>
              <rect x={x} y={height - okHeight} width={barWidth - 4} height={okHeight} className="bar-ok" />
              <rect x={x} y={height - okHeight - failedHeight} width={barWidth - 4} height={failedHeight} className="bar-failed" />
              {(i === 0 || i === minutes.length - 1) && (
                <text x={x} y={height + 20} className="axis">
                  {minute.slice(11)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        Attempts per minute (Beijing time) for the events listed: <span className="key-ok">delivered</span> ·{' '}
        <span className="key-failed">failed</span>
      </figcaption>
    </figure>
  );
}
