/**
 * Domain Management: every domain with its type, status, bound callback template and creation
 * time; add, forbid/enable, delete (confirmed); search by prefix; paging.
 */
import { useState, type FormEvent } from 'react';
import { callAction } from '../api';
import { useBusy } from '../components/busy';
import { ConfirmDialog } from '../components/dialog';
import { Pager } from '../components/pager';
import { ErrorBox, Loaded } from '../components/states';
import { Table } from '../components/table';
import { href } from '../router';
import type { CallbackTemplate, DomainInfo, Rule } from '../types';
import { useAction } from '../use-action';

const PAGE_SIZE = 10;

function AddDomainForm({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState('0');
  const { busy, error, run } = useBusy();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => callAction('AddLiveDomain', { DomainName: name.trim(), DomainType: Number(type) }))) {
      setName('');
      onAdded();
    }
  };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} aria-label="Add domain">
      <label>
        Domain name
        <input name="domainName" value={name} onChange={(e) => setName(e.target.value)} placeholder="push.example.com" required />
      </label>
      <label>
        Domain type
        <select name="domainType" value={type} onChange={(e) => setType(e.target.value)}>
          <option value="0">Push domain</option>
          <option value="1">Playback domain</option>
        </select>
      </label>
      <button type="submit" className="primary" disabled={busy}>
        Add Domain
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function DomainManagement() {
  const [page, setPage] = useState(1);
  const [prefix, setPrefix] = useState('');
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<DomainInfo>();
  const params = { PageNum: page, PageSize: PAGE_SIZE, ...(prefix && { DomainPrefix: prefix }) };
  const domains = useAction<{ AllCount: number; DomainList: DomainInfo[] }>('DescribeLiveDomains', params);
  const rules = useAction<{ Rules: Rule[] }>('DescribeLiveCallbackRules');
  const templates = useAction<{ Templates: CallbackTemplate[] }>('DescribeLiveCallbackTemplates');
  const { busy, error, run } = useBusy();

  const boundTemplate = (domain: string): string => {
    const rule = rules.data?.Rules.find((r) => r.DomainName === domain && r.AppName === '');
    if (!rule) return '—';
    return templates.data?.Templates.find((t) => t.TemplateId === rule.TemplateId)?.TemplateName ?? `#${rule.TemplateId}`;
  };
  const act = async (action: string, params: Record<string, unknown>) => {
    if (await run(() => callAction(action, params))) await domains.reload();
  };

  return (
    <section>
      <h1>Domain Management</h1>
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => setAdding(!adding)} aria-expanded={adding}>
          Add Domain
        </button>
        <label className="search">
          Search by domain prefix
          <input
            type="search"
            value={prefix}
            onChange={(e) => {
              setPrefix(e.target.value.trim());
              setPage(1);
            }}
          />
        </label>
      </div>
      {adding && (
        <AddDomainForm
          onAdded={() => {
            setAdding(false);
            void domains.reload();
          }}
        />
      )}
      <ErrorBox error={error ?? rules.error} />
      <Loaded state={domains} isEmpty={(d) => d.DomainList.length === 0} empty={prefix ? 'No domain starts with that prefix.' : 'No domains yet. Add a push domain to start.'}>
        {(d) => (
          <>
            <Table columns={['Domain', 'Type', 'Status', 'Callback template', 'Created', 'Operation']}>
              {d.DomainList.map((domain) => (
                <tr key={domain.Name}>
                  <td>
                    <a href={href('domains', domain.Name)}>{domain.Name}</a>
                  </td>
                  <td>{domain.Type === 0 ? 'Push domain' : 'Playback domain'}</td>
                  <td>
                    <span className={domain.Status === 1 ? 'badge ok' : 'badge off'}>{domain.Status === 1 ? 'Enabled' : 'Disabled'}</span>
                  </td>
                  <td>{domain.Type === 0 ? boundTemplate(domain.Name) : 'n/a'}</td>
                  <td>{domain.CreateTime}</td>
                  <td className="ops">
                    <a href={href('domains', domain.Name)}>Manage</a>
                    <button
                      type="button"
                      className="link"
                      disabled={busy}
                      onClick={() => void act(domain.Status === 1 ? 'ForbidLiveDomain' : 'EnableLiveDomain', { DomainName: domain.Name })}
                    >
                      {domain.Status === 1 ? 'Disable' : 'Enable'}
                    </button>
                    <button type="button" className="link danger" onClick={() => setDeleting(domain)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </Table>
            <Pager page={page} pageSize={PAGE_SIZE} total={d.AllCount} onPage={setPage} />
          </>
        )}
      </Loaded>
      {deleting && (
        <ConfirmDialog
          title="Delete domain"
          onCancel={() => setDeleting(undefined)}
          onOk={() => {
            const domain = deleting;
            setDeleting(undefined);
            void act('DeleteLiveDomain', { DomainName: domain.Name, DomainType: domain.Type });
          }}
        >
          Delete <strong>{deleting.Name}</strong>? Pushes and playback through it stop working. This cannot be undone.
        </ConfirmDialog>
      )}
    </section>
  );
}
