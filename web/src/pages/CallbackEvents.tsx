/**
 * Callback Events: the delivery log with filters, each event's payload and every attempt;
 * Resend one event, or every failed event in a time range; a per-minute chart by outcome.
 */
import { useState, type FormEvent } from 'react';
import { callAction } from '../api';
import { useBusy } from '../components/busy';
import { Pager } from '../components/pager';
import { RangeFields, toParams, type RangeFilters } from '../components/range-fields';
import { ErrorBox, Loaded } from '../components/states';
import { Table } from '../components/table';
import { eventTypeName, useEventTypes } from '../event-types';
import type { EventInfo, EventTypeInfo } from '../types';
import { useAction } from '../use-action';
import { DeliveryChart, attemptSucceeded } from './DeliveryChart';

const PAGE_SIZE = 50;
const POLL_MS = 5000;
const STATUSES = ['pending', 'delivered', 'failed', 'no_callback', 'no_url'] as const;

interface Filters extends RangeFilters {
  EventType: string;
  Status: string;
}

const NO_FILTERS: Filters = { StartTime: '', EndTime: '', DomainName: '', StreamName: '', EventType: '', Status: '' };

function EventRow({ event, types, onResend, busy }: { event: EventInfo; types: readonly EventTypeInfo[] | undefined; onResend: () => void; busy: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr data-event-id={event.EventId}>
        <td>
          <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? '▾' : '▸'} {event.CreateTime}
          </button>
        </td>
        <td>{eventTypeName(types, event.EventType)}</td>
        <td>{event.DomainName}</td>
        <td>{event.StreamName}</td>
        <td>
          <span className={`badge status-${event.Status}`}>{event.Status}</span>
        </td>
        <td>{event.Attempts}</td>
        <td>
          {event.Url && event.Status !== 'pending' && (
            <button type="button" className="link" disabled={busy} onClick={onResend}>
              Resend
            </button>
          )}
        </td>
      </tr>
      {open && (
        <tr className="details">
          <td colSpan={7}>
            <p>
              Event <code>{event.EventId}</code> → <code>{event.Url || 'no URL'}</code>
            </p>
            <h4>Payload</h4>
            <pre>{JSON.stringify(JSON.parse(event.Payload) as unknown, null, 2)}</pre>
            <h4>Attempts</h4>
            {event.AttemptList.length === 0 ? (
              <p className="muted">No attempt yet.</p>
            ) : (
              <Table className="attempts" columns={['#', 'Time', 'Result', 'HTTP status', 'Latency', 'Response']}>
                {event.AttemptList.map((a, i) => (
                  // Attempt numbers start again at 1 after a resend: the position is the key.
                  <tr key={i} className="attempt">
                    <td>{a.Attempt}</td>
                    <td>{a.Time}</td>
                    <td className={attemptSucceeded(a) ? 'good' : 'bad'}>{attemptSucceeded(a) ? 'Succeeded' : `Failed${a.ErrorKind ? ` (${a.ErrorKind})` : ''}`}</td>
                    <td>{a.StatusCode || '—'}</td>
                    <td>{a.LatencyMs} ms</td>
                    <td>
                      <code>{a.ResponseExcerpt}</code>
                    </td>
                  </tr>
                ))}
              </Table>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

export function CallbackEvents() {
  const [draft, setDraft] = useState(NO_FILTERS);
  const [filters, setFilters] = useState(NO_FILTERS);
  const [page, setPage] = useState(1);
  const [resent, setResent] = useState<string>();
  const events = useAction<{ TotalNum: number; EventList: EventInfo[] }>(
    'DescribeCallbackEvents',
    { ...toParams(filters, ['EventType']), PageNum: page, PageSize: PAGE_SIZE },
    { pollMs: POLL_MS },
  );
  const types = useEventTypes().data?.EventTypeList;
  const { busy, error, run } = useBusy();
  const set = (name: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value });

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setPage(1);
  };
  const resend = async (params: Record<string, unknown>) => {
    setResent(undefined);
    await run(async () => {
      const { ResentCount } = await callAction<{ ResentCount: number }>('ResendCallbackEvent', params);
      setResent(`${ResentCount} event(s) queued for delivery again.`);
    });
    await events.reload();
  };
  const { StartTime, EndTime, DomainName } = toParams(filters);

  return (
    <section>
      <h1>Callback Events</h1>
      <form className="filters" onSubmit={apply} aria-label="Filter events">
        <RangeFields values={draft} onChange={setDraft} />
        <label>
          Event type
          <select value={draft.EventType} onChange={set('EventType')}>
            <option value="">All</option>
            {(types ?? []).map((t) => (
              <option key={t.EventType} value={t.EventType}>
                {t.Name} ({t.EventType}){t.Delivery === 'sent' ? '' : ' — not sent'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={draft.Status} onChange={set('Status')}>
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <div className="actions">
          <button type="submit" className="primary">
            Search
          </button>
          <button type="button" disabled={busy} onClick={() => void resend({ StartTime, EndTime, DomainName })}>
            Resend all failed in range
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {resent && <p role="status" className="state good">{resent}</p>}
      <Loaded state={events} isEmpty={(d) => d.EventList.length === 0} empty="No callback events match. Events appear here when a stream is pushed to a domain with a bound callback template.">
        {(d) => (
          <>
            <DeliveryChart events={d.EventList} />
            <Table columns={['Created', 'Event', 'Domain', 'Stream', 'Status', 'Attempts', 'Operation']}>
              {d.EventList.map((event) => (
                <EventRow key={event.EventId} event={event} types={types} busy={busy} onResend={() => void resend({ EventId: event.EventId })} />
              ))}
            </Table>
            <Pager page={page} pageSize={PAGE_SIZE} total={d.TotalNum} onPage={setPage} />
          </>
        )}
      </Loaded>
    </section>
  );
}
