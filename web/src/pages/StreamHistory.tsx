/**
 * Stream history of one push domain (on the Streams page): its pushes in a recent period from
 * DescribeLiveStreamEventList, each with the callbacks sent about it (DescribeCallbackRecordsList).
 */
import { useState, type FormEvent } from 'react';
import { Pager } from '../components/pager';
import { ErrorBox, Loaded } from '../components/states';
import { Table } from '../components/table';
import { eventTypeName, useEventTypes } from '../event-types';
import type { DomainInfo } from '../types';
import { useAction } from '../use-action';

const PAGE_SIZE = 20;
const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** Tencent answers at most 30 days at once. */
const PERIODS = [
  { label: 'Last hour', ms: HOUR_MS },
  { label: 'Last 24 hours', ms: DAY_MS },
  { label: 'Last 7 days', ms: 7 * DAY_MS },
  { label: 'Last 30 days', ms: 30 * DAY_MS },
] as const;
/** Callbacks about a push may still be retried this long after it ended. */
const RETRY_TAIL_MS = 15 * 60_000;

interface StreamEventInfo {
  AppName: string;
  DomainName: string;
  StreamName: string;
  StreamStartTime: string;
  StreamEndTime: string;
  StopReason: string;
  Duration: number;
  ClientIp: string;
  Resolution: string;
}

interface CallbackRecord {
  EventTime: string;
  EventType: number;
  Request: string;
  Response: string;
  ResponseTime: string;
  ResultCode: number;
  StreamId: string;
}

interface Query {
  DomainName: string;
  StreamName: string;
  IsFilter: 0 | 1;
  StartTime: string;
  EndTime: string;
}

const utc = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + 'Z';
const local = (time: string): string => (time ? new Date(time).toLocaleString() : '');

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

/** The callbacks of one push: from its start to a while after its end (at most the 1 day Tencent allows). */
function PushCallbacks({ push }: { push: StreamEventInfo }) {
  const start = Date.parse(push.StreamStartTime);
  const end = Math.min(push.StreamEndTime ? Date.parse(push.StreamEndTime) + RETRY_TAIL_MS : Date.now(), start + DAY_MS - 1000, Date.now());
  const records = useAction<{ TotalNum: number; DataInfoList: CallbackRecord[] }>('DescribeCallbackRecordsList', {
    StreamName: push.StreamName,
    StartTime: utc(start),
    EndTime: utc(end),
    PageNum: 1,
    PageSize: 100,
  });
  const types = useEventTypes().data?.EventTypeList;
  return (
    <Loaded state={records} isEmpty={(d) => d.DataInfoList.length === 0} empty="No callback was sent about this push.">
      {(d) => (
        <Table className="attempts" columns={['Event', 'Event time', 'Answered', 'Result', 'Response']}>
          {d.DataInfoList.map((r, i) => (
            <tr key={i} className="attempt">
              <td>{eventTypeName(types, r.EventType)}</td>
              <td>{local(r.EventTime)}</td>
              <td>{local(r.ResponseTime)}</td>
              <td className={r.ResultCode === 0 ? 'good' : 'bad'}>
                {r.ResultCode === 0 ? 'Succeeded' : r.ResultCode > 0 ? `Failed (HTTP ${r.ResultCode})` : 'Failed (no answer)'}
              </td>
              <td>
                <code>{r.Response}</code>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Loaded>
  );
}

function PushRow({ push }: { push: StreamEventInfo }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr>
        <td>
          <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? '▾' : '▸'} {push.StreamName}
          </button>
        </td>
        <td>{push.AppName}</td>
        <td>{local(push.StreamStartTime)}</td>
        <td>{push.StreamEndTime ? local(push.StreamEndTime) : <span className="badge status-pending">live</span>}</td>
        <td>{duration(push.Duration)}</td>
        <td>{push.StopReason || '—'}</td>
        <td>{push.ClientIp || '—'}</td>
        <td>{push.Resolution || '—'}</td>
      </tr>
      {open && (
        <tr className="details">
          <td colSpan={8}>
            <h4>Callbacks</h4>
            <PushCallbacks push={push} />
          </td>
        </tr>
      )}
    </>
  );
}

function HistoryList({ query }: { query: Query }) {
  const [page, setPage] = useState(1);
  const history = useAction<{ TotalNum: number; EventList: StreamEventInfo[] }>('DescribeLiveStreamEventList', {
    DomainName: query.DomainName,
    StartTime: query.StartTime,
    EndTime: query.EndTime,
    ...(query.StreamName ? { StreamName: query.StreamName } : {}),
    IsFilter: query.IsFilter,
    PageNum: page,
    PageSize: PAGE_SIZE,
  });
  return (
    <Loaded state={history} isEmpty={(d) => d.EventList.length === 0} empty="No push in this period.">
      {(d) => (
        <>
          <Table columns={['Stream', 'AppName', 'Started', 'Ended', 'Duration', 'Stop reason', 'Client IP', 'Resolution']}>
            {d.EventList.map((push) => (
              <PushRow key={`${push.AppName}/${push.StreamName}/${push.StreamStartTime}`} push={push} />
            ))}
          </Table>
          <Pager page={page} pageSize={PAGE_SIZE} total={d.TotalNum} onPage={setPage} />
        </>
      )}
    </Loaded>
  );
}

export function StreamHistory() {
  const domains = useAction<{ DomainList: DomainInfo[] }>('DescribeLiveDomains', { DomainType: 0, PageSize: 100 });
  const [draft, setDraft] = useState({ DomainName: '', StreamName: '', period: String(DAY_MS), onlyStarted: false });
  const [query, setQuery] = useState<Query>();

  const search = (e: FormEvent) => {
    e.preventDefault();
    const now = Date.now();
    setQuery({
      DomainName: draft.DomainName || domains.data?.DomainList[0]?.Name || '',
      StreamName: draft.StreamName.trim(),
      IsFilter: draft.onlyStarted ? 1 : 0,
      StartTime: utc(now - Number(draft.period)),
      EndTime: utc(now),
    });
  };

  return (
    <>
      <h2>History</h2>
      <ErrorBox error={domains.error} onRetry={() => void domains.reload()} />
      <form className="filters" onSubmit={search} aria-label="Stream history">
        <label>
          Push domain
          <select value={draft.DomainName} onChange={(e) => setDraft({ ...draft, DomainName: e.target.value })}>
            {(domains.data?.DomainList ?? []).map((d) => (
              <option key={d.Name}>{d.Name}</option>
            ))}
          </select>
        </label>
        <label>
          Period
          <select value={draft.period} onChange={(e) => setDraft({ ...draft, period: e.target.value })}>
            {PERIODS.map((p) => (
              <option key={p.ms} value={String(p.ms)}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Stream (part of the name)
          <input value={draft.StreamName} onChange={(e) => setDraft({ ...draft, StreamName: e.target.value })} />
        </label>
        <label className="choice">
          <input type="checkbox" checked={draft.onlyStarted} onChange={(e) => setDraft({ ...draft, onlyStarted: e.target.checked })} />
          Only pushes that started
        </label>
        <div className="actions">
          <button type="submit" className="primary" disabled={!domains.data?.DomainList.length}>
            Show history
          </button>
        </div>
      </form>
      {domains.data?.DomainList.length === 0 && <p className="state empty">Add a push domain to see its streams’ history.</p>}
      {query && <HistoryList key={JSON.stringify(query)} query={query} />}
    </>
  );
}
