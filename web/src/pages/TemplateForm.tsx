/** Create or edit a callback template: name, description, every URL field and the key. */
import { useState, type FormEvent } from 'react';
import { callAction } from '../api';
import { useBusy } from '../components/busy';
import { FormFooter } from '../components/form-footer';
import type { CallbackTemplate } from '../types';

type UrlField = keyof CallbackTemplate & `${string}NotifyUrl`;

/** Every URL parameter of Create/ModifyLiveCallbackTemplate, labelled as in Tencent's console. */
export const URL_FIELDS: readonly { field: UrlField; label: string; eventType?: number }[] = [
  { field: 'StreamBeginNotifyUrl', label: 'Stream push callback', eventType: 1 },
  { field: 'StreamEndNotifyUrl', label: 'Stream interruption callback', eventType: 0 },
  { field: 'RecordNotifyUrl', label: 'Recording callback', eventType: 100 },
  { field: 'SnapshotNotifyUrl', label: 'Screenshot callback', eventType: 200 },
  { field: 'PornCensorshipNotifyUrl', label: 'Porn detection callback', eventType: 317 },
  { field: 'RecordStatusNotifyUrl', label: 'Recording status callback' },
  { field: 'PushExceptionNotifyUrl', label: 'Push exception callback' },
  { field: 'AudioAuditNotifyUrl', label: 'Audio moderation callback' },
  { field: 'RecordExceptionNotifyUrl', label: 'Recording exception callback' },
];

type Values = Record<UrlField | 'TemplateName' | 'Description' | 'CallbackKey', string>;

const initialValues = (t?: CallbackTemplate): Values => ({
  TemplateName: t?.TemplateName ?? '',
  Description: t?.Description ?? '',
  CallbackKey: t?.CallbackKey ?? '',
  ...(Object.fromEntries(URL_FIELDS.map(({ field }) => [field, t?.[field] ?? ''])) as Record<UrlField, string>),
});

export function TemplateForm({ template, onDone }: { template?: CallbackTemplate; onDone: (saved: boolean) => void }) {
  const [values, setValues] = useState(() => initialValues(template));
  const { busy, error, run } = useBusy();
  const set = (name: keyof Values) => (e: { target: { value: string } }) => setValues({ ...values, [name]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // Create sends only what is filled in; Modify sends every field, since '' clears one.
    const params = template
      ? { TemplateId: template.TemplateId, ...values }
      : Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
    if (await run(() => callAction(template ? 'ModifyLiveCallbackTemplate' : 'CreateLiveCallbackTemplate', params))) onDone(true);
  };

  return (
    // noValidate: the API's messages (which say which parameter and why) are the ones shown.
    <form className="card" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="template-form-title">
      <h2 id="template-form-title">{template ? `Edit template ${template.TemplateName}` : 'Create Callback Template'}</h2>
      <div className="form-grid">
        <label>
          Template name
          <input name="TemplateName" value={values.TemplateName} onChange={set('TemplateName')} required />
        </label>
        <label>
          Description
          <input name="Description" value={values.Description} onChange={set('Description')} />
        </label>
        {URL_FIELDS.map(({ field, label }) => (
          <label key={field}>
            {label}
            <input name={field} type="url" inputMode="url" value={values[field]} onChange={set(field)} placeholder="https://" />
          </label>
        ))}
        <label>
          Callback key
          <input name="CallbackKey" value={values.CallbackKey} onChange={set('CallbackKey')} autoComplete="off" />
          <small>Signs every callback: sign = md5(key + t). Up to 32 letters and digits.</small>
        </label>
      </div>
      <FormFooter error={error} busy={busy} onCancel={() => onDone(false)} />
    </form>
  );
}
