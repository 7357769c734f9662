/**
 * Push Configuration → Remote Authentication: the domain's remote push authentication
 * (livehook's own DescribeLiveRemotePushAuth / ModifyLiveRemotePushAuth; docs/remote-push-auth.md).
 * Shown read-only with an Edit button, as the console's other settings cards.
 */
import { useState, type FormEvent } from 'react';
import { callAction } from '../api';
import { useBusy } from '../components/busy';
import { FormFooter } from '../components/form-footer';
import { Loaded } from '../components/states';
import { useAction } from '../use-action';

interface RemotePushAuthInfo {
  readonly Enable: number;
  readonly Url: string;
  readonly TimeoutMs: number;
  readonly Retries: number;
  readonly OnFailure: 'allow' | 'deny';
}

function EditForm({ domain, info, onDone }: { domain: string; info: RemotePushAuthInfo; onDone: (saved: boolean) => void }) {
  const [enable, setEnable] = useState(info.Enable === 1);
  const [url, setUrl] = useState(info.Url);
  const [timeoutMs, setTimeoutMs] = useState(String(info.TimeoutMs));
  const [retries, setRetries] = useState(String(info.Retries));
  const [onFailure, setOnFailure] = useState(info.OnFailure);
  const { busy, error, run } = useBusy();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const params = { DomainName: domain, Enable: enable ? 1 : 0, Url: url.trim(), TimeoutMs: Number(timeoutMs), Retries: Number(retries), OnFailure: onFailure };
    if (await run(() => callAction('ModifyLiveRemotePushAuth', params))) onDone(true);
  };
  return (
    <form noValidate onSubmit={(e) => void submit(e)} aria-label="Remote authentication settings">
      <div className="form-grid">
        <label>
          <input type="checkbox" checked={enable} onChange={(e) => setEnable(e.target.checked)} /> Enabled
        </label>
        <label>
          Authentication server address
          <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://auth.example.com/check" />
        </label>
        <label>
          Timeout per try (ms, 500–3000)
          <input type="number" min={500} max={3000} value={timeoutMs} onChange={(e) => setTimeoutMs(e.target.value)} />
        </label>
        <label>
          Max retries (0–3)
          <input type="number" min={0} max={3} value={retries} onChange={(e) => setRetries(e.target.value)} />
        </label>
        <label>
          When the server does not answer 200 or 403
          <select value={onFailure} onChange={(e) => setOnFailure(e.target.value as 'allow' | 'deny')}>
            <option value="allow">Allow the push</option>
            <option value="deny">Refuse the push</option>
          </select>
        </label>
      </div>
      <FormFooter error={error} busy={busy} onCancel={() => onDone(false)} />
    </form>
  );
}

export function RemotePushAuth({ domain }: { domain: string }) {
  const state = useAction<{ RemotePushAuthInfo: RemotePushAuthInfo }>('DescribeLiveRemotePushAuth', { DomainName: domain });
  const [editing, setEditing] = useState(false);
  return (
    <section className="card" aria-labelledby="remote-auth-heading">
      <h3 id="remote-auth-heading">Remote Authentication</h3>
      <p className="muted">livehook asks this server before each push starts: HTTP 200 allows it, 403 refuses it.</p>
      <Loaded state={state}>
        {({ RemotePushAuthInfo: info }) =>
          editing ? (
            <EditForm
              domain={domain}
              info={info}
              onDone={(saved) => {
                setEditing(false);
                if (saved) void state.reload();
              }}
            />
          ) : (
            <>
              <dl className="facts">
                <dt>Status</dt>
                <dd>{info.Enable ? 'Enabled' : 'Disabled'}</dd>
                <dt>Server address</dt>
                <dd>
                  <code>{info.Url || '—'}</code>
                </dd>
                <dt>Timeout per try</dt>
                <dd>{info.TimeoutMs} ms</dd>
                <dt>Max retries</dt>
                <dd>{info.Retries}</dd>
                <dt>On no answer</dt>
                <dd>{info.OnFailure === 'allow' ? 'Allow the push' : 'Refuse the push'}</dd>
              </dl>
              <button type="button" onClick={() => setEditing(true)}>
                Edit
              </button>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
