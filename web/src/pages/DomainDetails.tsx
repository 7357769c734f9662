/** Domain details: Basic Information, Template Configuration, Push Configuration tabs. */
import { useState } from 'react';
import { Loaded } from '../components/states';
import { href } from '../router';
import type { DomainInfo } from '../types';
import { useAction } from '../use-action';
import { PushConfig } from './PushConfig';
import { RuleSection, type RuleKind } from './RuleSection';

const CALLBACK: RuleKind = {
  title: 'Callback Configuration',
  note: 'One domain can be bound to only one callback template. A change applies to new events immediately.',
  listTemplates: 'DescribeLiveCallbackTemplates',
  listRules: 'DescribeLiveCallbackRules',
  createRule: 'CreateLiveCallbackRule',
  deleteRule: 'DeleteLiveCallbackRule',
  hasStreamName: false,
};
const RECORDING: RuleKind = {
  title: 'Recording Configuration',
  note: 'Streams pushed to this domain are recorded with the bound recording template.',
  listTemplates: 'DescribeLiveRecordTemplates',
  listRules: 'DescribeLiveRecordRules',
  createRule: 'CreateLiveRecordRule',
  deleteRule: 'DeleteLiveRecordRule',
  hasStreamName: true,
};
const SCREENSHOT: RuleKind = {
  title: 'Screenshot & Porn Detection Configuration',
  note: 'Screenshots (and porn detection, when the template enables it) follow the bound screenshot template.',
  listTemplates: 'DescribeLiveSnapshotTemplates',
  listRules: 'DescribeLiveSnapshotRules',
  createRule: 'CreateLiveSnapshotRule',
  deleteRule: 'DeleteLiveSnapshotRule',
  hasStreamName: true,
};

const TABS = ['Basic Information', 'Template Configuration', 'Push Configuration'] as const;
type Tab = (typeof TABS)[number];

export function DomainDetails({ name }: { name: string }) {
  const domain = useAction<{ DomainInfo: DomainInfo }>('DescribeLiveDomain', { DomainName: name });
  const [tab, setTab] = useState<Tab>('Basic Information');

  return (
    <section>
      <p className="crumbs">
        <a href={href('domains')}>Domain Management</a> / {name}
      </p>
      <h1>{name}</h1>
      <Loaded state={domain}>
        {({ DomainInfo: info }) => {
          const isPush = info.Type === 0;
          const tabs = TABS.filter((t) => isPush || t === 'Basic Information');
          return (
            <>
              <div role="tablist" aria-label="Domain details" className="tabs">
                {tabs.map((t) => (
                  <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
                    {t}
                  </button>
                ))}
              </div>
              <div role="tabpanel" aria-label={tab}>
                {tab === 'Basic Information' && (
                  <section className="card">
                    <dl className="facts">
                      <dt>Domain name</dt>
                      <dd>{info.Name}</dd>
                      <dt>Type</dt>
                      <dd>{isPush ? 'Push domain' : 'Playback domain'}</dd>
                      <dt>Status</dt>
                      <dd>{info.Status === 1 ? 'Enabled' : 'Disabled'}</dd>
                      <dt>Created</dt>
                      <dd>{info.CreateTime}</dd>
                    </dl>
                    {!isPush && <p className="muted">Callback, recording and screenshot templates apply to push domains.</p>}
                  </section>
                )}
                {tab === 'Template Configuration' && (
                  <>
                    <RuleSection kind={CALLBACK} domain={info.Name} />
                    <RuleSection kind={RECORDING} domain={info.Name} />
                    <RuleSection kind={SCREENSHOT} domain={info.Name} />
                  </>
                )}
                {tab === 'Push Configuration' && <PushConfig domain={info.Name} />}
              </div>
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
