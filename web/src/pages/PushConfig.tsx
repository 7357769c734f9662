/**
 * Push Configuration: the domain's push authentication key, its remote authentication and a push
 * URL generator.
 * txTime is the URL's expiry as hex Unix seconds; txSecret = md5(key + StreamName + txTime).
 */
import { useState } from 'react';
import { Loaded } from '../components/states';
import { md5 } from 'js-md5';
import type { PushAuthKeyInfo } from '../types';
import { useAction } from '../use-action';
import { RemotePushAuth } from './RemotePushAuth';

function defaultExpiry(): string {
  const d = new Date(Date.now() + 24 * 3600_000);
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function PushConfig({ domain }: { domain: string }) {
  const auth = useAction<{ PushAuthKeyInfo: PushAuthKeyInfo }>('DescribeLivePushAuthKey', { DomainName: domain });
  const [appName, setAppName] = useState('live');
  const [stream, setStream] = useState('');
  const [expiry, setExpiry] = useState(defaultExpiry);
  const [copied, setCopied] = useState(false);

  return (
    <Loaded state={auth}>
      {({ PushAuthKeyInfo: info }) => {
        const txTime = Math.floor(new Date(expiry).getTime() / 1000).toString(16).toUpperCase();
        const query = info.Enable && info.MasterAuthKey ? `?txSecret=${md5(info.MasterAuthKey + stream + txTime)}&txTime=${txTime}` : '';
        const url = stream && expiry ? `rtmp://${domain}/${appName}/${stream}${query}` : '';
        return (
          <>
            <section className="card" aria-labelledby="auth-heading">
              <h3 id="auth-heading">Push Authentication</h3>
              <dl className="facts">
                <dt>Status</dt>
                <dd>{info.Enable ? 'Enabled' : 'Disabled'}</dd>
                <dt>Master key</dt>
                <dd>
                  <code>{info.MasterAuthKey || '—'}</code>
                </dd>
                <dt>Backup key</dt>
                <dd>
                  <code>{info.BackupAuthKey || '—'}</code>
                </dd>
                <dt>Validity</dt>
                <dd>{info.AuthDelta} s</dd>
              </dl>
            </section>
            <RemotePushAuth domain={domain} />
            <section className="card" aria-labelledby="gen-heading">
              <h3 id="gen-heading">Push Address Generator</h3>
              <div className="form-grid">
                <label>
                  AppName
                  <input value={appName} onChange={(e) => setAppName(e.target.value)} />
                </label>
                <label>
                  StreamName
                  <input value={stream} onChange={(e) => setStream(e.target.value)} placeholder="my_stream" />
                </label>
                <label>
                  Expiration time
                  <input type="datetime-local" value={expiry} onChange={(e) => setExpiry(e.target.value)} />
                </label>
              </div>
              {url ? (
                <div className="push-url">
                  <code data-testid="push-url">{url}</code>
                  <button
                    type="button"
                    onClick={() => void navigator.clipboard?.writeText(url).then(() => setCopied(true), () => setCopied(false))}
                  >
                    {copied ? 'Copied' : 'Copy'}
                  </button>
                </div>
              ) : (
                <p className="muted">Enter a StreamName and an expiration time to generate the push address.</p>
              )}
            </section>
          </>
        );
      }}
    </Loaded>
  );
}
