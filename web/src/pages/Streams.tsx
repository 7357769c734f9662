/**
 * Streams: who is pushing now on any instance (polled), and which instance holds each publisher;
 * drop or forbid a stream; the forbidden list with resume; a domain's history.
 */
import { useState } from 'react';
import { callAction } from '../api';
import { useBusy } from '../components/busy';
import { Pager } from '../components/pager';
import { ErrorBox, Loaded } from '../components/states';
import { Table } from '../components/table';
import type { ForbiddenStream, OnlineStream } from '../types';
import { useAction } from '../use-action';
import { StreamHistory } from './StreamHistory';

const POLL_MS = 5000;
const PAGE_SIZE = 20;

const streamKey = (s: { DomainName: string; AppName: string; StreamName: string }) => ({
  DomainName: s.DomainName,
  AppName: s.AppName,
  StreamName: s.StreamName,
});

export function Streams() {
  const [page, setPage] = useState(1);
  const online = useAction<{ TotalNum: number; OnlineInfo: OnlineStream[] }>(
    'DescribeLiveStreamOnlineList',
    { PageNum: page, PageSize: PAGE_SIZE },
    { pollMs: POLL_MS },
  );
  const forbidden = useAction<{ ForbidStreamList: ForbiddenStream[] }>('DescribeLiveForbidStreamList', { PageSize: 100 });
  const { busy, error, run } = useBusy();
  const act = async (action: string, params: Record<string, unknown>) => {
    await run(() => callAction(action, params));
    await Promise.all([online.reload(), forbidden.reload()]);
  };

  return (
    <section>
      <h1>Streams</h1>
      <ErrorBox error={error} />
      <h2>Online streams</h2>
      <p className="muted">Refreshed every {POLL_MS / 1000} s.</p>
      <Loaded state={online} isEmpty={(d) => d.OnlineInfo.length === 0} empty="No stream is being pushed right now.">
        {(d) => (
          <>
            <Table columns={['Stream', 'Domain', 'AppName', 'Pushing since', 'Instance', 'Operation']}>
              {d.OnlineInfo.map((s) => (
                <tr key={`${s.DomainName}/${s.AppName}/${s.StreamName}`}>
                  <td>{s.StreamName}</td>
                  <td>{s.DomainName}</td>
                  <td>{s.AppName}</td>
                  <td>{s.PublishTimeList[0] ? new Date(s.PublishTimeList[0].PublishTime).toLocaleString() : '—'}</td>
                  <td>{s.LivehookInstanceId}</td>
                  <td className="ops">
                    <button type="button" className="link" disabled={busy} onClick={() => void act('DropLiveStream', streamKey(s))}>
                      Drop
                    </button>
                    <button type="button" className="link danger" disabled={busy} onClick={() => void act('ForbidLiveStream', streamKey(s))}>
                      Forbid
                    </button>
                  </td>
                </tr>
              ))}
            </Table>
            <Pager page={page} pageSize={PAGE_SIZE} total={d.TotalNum} onPage={setPage} />
          </>
        )}
      </Loaded>
      <h2>Forbidden streams</h2>
      <Loaded state={forbidden} isEmpty={(d) => d.ForbidStreamList.length === 0} empty="No stream is forbidden.">
        {(d) => (
          <Table columns={['Stream', 'Domain', 'AppName', 'Forbidden until', 'Reason', 'Operation']}>
            {d.ForbidStreamList.map((s) => (
              <tr key={`${s.DomainName}/${s.AppName}/${s.StreamName}`}>
                <td>{s.StreamName}</td>
                <td>{s.DomainName}</td>
                <td>{s.AppName}</td>
                <td>{s.ExpireTime}</td>
                <td>{s.Reason || '—'}</td>
                <td>
                  <button type="button" className="link" disabled={busy} onClick={() => void act('ResumeLiveStream', streamKey(s))}>
                    Resume
                  </button>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Loaded>
      <StreamHistory />
    </section>
  );
}
