/**
 * One section of Template Configuration (callback, recording, screenshot): the template bound to
 * the whole domain (AppName ''), and Edit → select a template → Save. Changing the template
 * deletes the old rule and creates the new one (a key holds one rule); saving with nothing
 * selected unbinds, after an OK in a confirmation dialog.
 */
import { useState, type ReactNode } from 'react';
import { callAction } from '../api';
import { useBusy } from '../components/busy';
import { ConfirmDialog } from '../components/dialog';
import { ErrorBox, Loaded } from '../components/states';
import type { MediaTemplate, Rule } from '../types';
import { useAction } from '../use-action';

export interface RuleKind {
  readonly title: string;
  readonly note: ReactNode;
  readonly listTemplates: string;
  readonly listRules: string;
  readonly createRule: string;
  readonly deleteRule: string;
  /** Recording and screenshot rules also key on StreamName ('' = every stream). */
  readonly hasStreamName: boolean;
}

export function RuleSection({ kind, domain }: { kind: RuleKind; domain: string }) {
  const templates = useAction<{ Templates: MediaTemplate[] }>(kind.listTemplates);
  const rules = useAction<{ Rules: Rule[] }>(kind.listRules);
  const [editing, setEditing] = useState(false);
  const [selected, setSelected] = useState<number>();
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useBusy();
  const headingId = `${kind.listRules}-heading`;

  const key = { DomainName: domain, AppName: '', ...(kind.hasStreamName && { StreamName: '' }) };
  const isDomainRule = (r: Rule) => r.DomainName === domain && r.AppName === '' && (r.StreamName ?? '') === '';
  const current = rules.data?.Rules.find(isDomainRule)?.TemplateId;
  const narrower = rules.data?.Rules.filter((r) => r.DomainName === domain && !isDomainRule(r)) ?? [];
  const nameOf = (id: number) => templates.data?.Templates.find((t) => t.TemplateId === id)?.TemplateName ?? `#${id}`;

  const apply = async () => {
    const ok = await run(async () => {
      if (current !== undefined) await callAction(kind.deleteRule, key);
      if (selected !== undefined) await callAction(kind.createRule, { ...key, TemplateId: selected });
    });
    await rules.reload();
    if (ok) setEditing(false);
  };
  const save = () => {
    if (selected === current) setEditing(false);
    else if (selected === undefined) setConfirming(true);
    else void apply();
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="card-head">
        <h3 id={headingId}>{kind.title}</h3>
        {!editing && (
          <button
            type="button"
            onClick={() => {
              setSelected(current);
              setEditing(true);
            }}
            disabled={rules.data === undefined}
          >
            Edit
          </button>
        )}
      </div>
      <p className="note">{kind.note}</p>
      <Loaded state={rules}>
        {() =>
          editing ? (
            <Loaded state={templates} isEmpty={(t) => t.Templates.length === 0} empty="No templates yet: create one first.">
              {(t) => (
                <fieldset>
                  <legend>Select a template</legend>
                  {t.Templates.map((template) => (
                    <label key={template.TemplateId} className="choice">
                      <input
                        type="checkbox"
                        checked={selected === template.TemplateId}
                        onChange={(e) => setSelected(e.target.checked ? template.TemplateId : undefined)}
                      />
                      {template.TemplateName} <span className="muted">(ID {template.TemplateId})</span>
                    </label>
                  ))}
                </fieldset>
              )}
            </Loaded>
          ) : (
            <dl className="facts">
              <dt>Bound template</dt>
              <dd>{current === undefined ? 'Not bound' : `${nameOf(current)} (ID ${current})`}</dd>
            </dl>
          )
        }
      </Loaded>
      {narrower.length > 0 && (
        <p className="muted">
          Also bound for specific paths (through the API):{' '}
          {narrower.map((r) => `${r.AppName || '*'}${r.StreamName ? `/${r.StreamName}` : ''} → ${nameOf(r.TemplateId)}`).join(', ')}
        </p>
      )}
      <ErrorBox error={error} />
      {editing && (
        <div className="actions">
          <button type="button" className="primary" onClick={save} disabled={busy}>
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)} disabled={busy}>
            Cancel
          </button>
        </div>
      )}
      {confirming && current !== undefined && (
        <ConfirmDialog
          title={`Unbind ${kind.title.toLowerCase()}`}
          onCancel={() => setConfirming(false)}
          onOk={() => {
            setConfirming(false);
            void apply();
          }}
        >
          Unbind template <strong>{nameOf(current)}</strong> from <strong>{domain}</strong>? New events stop using it immediately.
        </ConfirmDialog>
      )}
    </section>
  );
}
