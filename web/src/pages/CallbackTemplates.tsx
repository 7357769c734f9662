/**
 * Callback Templates: the list; create and edit; delete (the API refuses while a domain uses the
 * template, and its reason is shown); Send test per URL, with the receiver's answer.
 */
import { useState } from 'react';
import { callAction, errorText } from '../api';
import { useBusy } from '../components/busy';
import { ConfirmDialog } from '../components/dialog';
import { ErrorBox, Loaded } from '../components/states';
import { useEventTypes } from '../event-types';
import type { CallbackTemplate } from '../types';
import { useAction } from '../use-action';
import { TemplateForm } from './TemplateForm';

interface TestResult {
  Url: string;
  Success: boolean;
  StatusCode: number;
  LatencyMs: number;
  ResponseExcerpt: string;
  ErrorKind: string;
  ErrorMessage: string;
}

function SendTest({ template, eventType }: { template: CallbackTemplate; eventType: number }) {
  const [result, setResult] = useState<TestResult>();
  const { busy, error, run } = useBusy();
  return (
    <span className="send-test">
      <button
        type="button"
        className="link"
        disabled={busy}
        onClick={() => void run(async () => setResult(await callAction<TestResult>('SendTestCallback', { TemplateId: template.TemplateId, EventType: eventType })))}
      >
        {busy ? 'Sending…' : 'Send test'}
      </button>
      {error !== undefined && <span className="bad">{errorText(error)}</span>}
      {result && !busy && (
        <span className={result.Success ? 'good' : 'bad'} role="status">
          {result.Success ? 'Delivered' : 'Failed'}: HTTP {result.StatusCode || '—'} in {result.LatencyMs} ms
          {result.ErrorMessage && ` · ${result.ErrorMessage}`}
          {result.ResponseExcerpt && (
            <>
              {' · response '}
              <code>{result.ResponseExcerpt}</code>
            </>
          )}
        </span>
      )}
    </span>
  );
}

export function CallbackTemplates() {
  const templates = useAction<{ Templates: CallbackTemplate[] }>('DescribeLiveCallbackTemplates');
  const eventTypes = useEventTypes();
  const types = eventTypes.data?.EventTypeList;
  const [editing, setEditing] = useState<CallbackTemplate | 'new'>();
  const [deleting, setDeleting] = useState<CallbackTemplate>();
  const { busy, error, run } = useBusy();

  return (
    <section>
      <h1>Callback Templates</h1>
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          Create Template
        </button>
      </div>
      <ErrorBox error={eventTypes.error} onRetry={() => void eventTypes.reload()} />
      {editing && types && (
        <TemplateForm
          key={editing === 'new' ? 'new' : editing.TemplateId}
          template={editing === 'new' ? undefined : editing}
          types={types}
          onDone={(saved) => {
            setEditing(undefined);
            if (saved) void templates.reload();
          }}
        />
      )}
      <ErrorBox error={error} />
      <Loaded state={templates} isEmpty={(t) => t.Templates.length === 0} empty="No callback templates yet. Create one, then bind it to a push domain.">
        {(t) => (
          <div className="cards">
            {t.Templates.map((template) => (
              <article key={template.TemplateId} className="card" aria-label={`Template ${template.TemplateName}`}>
                <div className="card-head">
                  <h3>
                    {template.TemplateName} <span className="muted">ID {template.TemplateId}</span>
                  </h3>
                  <div className="ops">
                    <button type="button" onClick={() => setEditing(template)}>
                      Edit
                    </button>
                    <button type="button" className="danger" onClick={() => setDeleting(template)}>
                      Delete
                    </button>
                  </div>
                </div>
                {template.Description && <p className="muted">{template.Description}</p>}
                <dl className="facts">
                  {(types ?? []).filter(({ TemplateField }) => template[TemplateField]).map(({ TemplateField, FieldLabel, EventType, HasSample, Note }) => (
                    <div key={TemplateField} className="fact-row">
                      <dt>{FieldLabel}</dt>
                      <dd>
                        <code>{template[TemplateField]}</code>
                        {HasSample && <SendTest template={template} eventType={EventType} />}
                        {Note && <small className="delivery-note">{Note}</small>}
                      </dd>
                    </div>
                  ))}
                  {template.RecordExceptionNotifyUrl && (
                    <div className="fact-row">
                      <dt>Recording exception levels</dt>
                      <dd>{template.RecordExceptionLevels.length > 0 ? template.RecordExceptionLevels.join(', ') : 'All levels'}</dd>
                    </div>
                  )}
                  <div className="fact-row">
                    <dt>Callback key</dt>
                    <dd>{template.CallbackKey ? <code>{template.CallbackKey}</code> : 'None (callbacks are not signed)'}</dd>
                  </div>
                </dl>
              </article>
            ))}
          </div>
        )}
      </Loaded>
      {deleting && (
        <ConfirmDialog
          title="Delete callback template"
          onCancel={() => setDeleting(undefined)}
          onOk={() => {
            const template = deleting;
            setDeleting(undefined);
            void run(() => callAction('DeleteLiveCallbackTemplate', { TemplateId: template.TemplateId })).then(() => templates.reload());
          }}
        >
          Delete template <strong>{deleting.TemplateName}</strong>? A template bound to a domain cannot be deleted.
        </ConfirmDialog>
      )}
    </section>
  );
}
