/**
 * Create or edit a callback template: name, description, one URL field per event type (from the
 * server's event registry, with a note beside the ones livehook does not send), the recording
 * exception levels and the key.
 */
import { useState, type FormEvent } from 'react';
import { callAction } from '../api';
import { useBusy } from '../components/busy';
import { FormFooter } from '../components/form-footer';
import type { CallbackTemplate, EventTypeInfo } from '../types';

/** RecordExceptionLevels: which recording exceptions (event 341) are sent; none ticked = all. */
const EXCEPTION_LEVELS = ['error', 'warning', 'info'] as const;

type TextField = 'TemplateName' | 'Description' | 'CallbackKey' | EventTypeInfo['TemplateField'];
type Values = Partial<Record<TextField, string>>;

const initialValues = (types: readonly EventTypeInfo[], t?: CallbackTemplate): Values => ({
  TemplateName: t?.TemplateName ?? '',
  Description: t?.Description ?? '',
  CallbackKey: t?.CallbackKey ?? '',
  ...Object.fromEntries(types.map(({ TemplateField }) => [TemplateField, t?.[TemplateField] ?? ''])),
});

function LevelsField({ levels, onChange }: { levels: readonly string[]; onChange: (levels: string[]) => void }) {
  return (
    <fieldset className="levels">
      <legend>Recording exception levels</legend>
      {EXCEPTION_LEVELS.map((level) => (
        <label key={level} className="choice">
          <input
            type="checkbox"
            name="RecordExceptionLevels"
            value={level}
            checked={levels.includes(level)}
            onChange={(e) => onChange(e.target.checked ? [...levels, level] : levels.filter((l) => l !== level))}
          />
          {level}
        </label>
      ))}
      <small>None ticked: every level is sent.</small>
    </fieldset>
  );
}

export function TemplateForm({ template, types, onDone }: { template?: CallbackTemplate; types: readonly EventTypeInfo[]; onDone: (saved: boolean) => void }) {
  const [values, setValues] = useState(() => initialValues(types, template));
  const [levels, setLevels] = useState<string[]>(() => template?.RecordExceptionLevels ?? []);
  const { busy, error, run } = useBusy();
  const set = (name: TextField) => (e: { target: { value: string } }) => setValues({ ...values, [name]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // Create sends only what is filled in; Modify sends every field, since '' clears one.
    const params = template
      ? { TemplateId: template.TemplateId, ...values, RecordExceptionLevels: levels }
      : { ...Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')), ...(levels.length > 0 ? { RecordExceptionLevels: levels } : {}) };
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
        {types.map(({ TemplateField, FieldLabel, Delivery, Note, EventType }) => (
          <div key={TemplateField} className="field">
            <label>
              {FieldLabel}
              <input name={TemplateField} type="url" inputMode="url" value={values[TemplateField] ?? ''} onChange={set(TemplateField)} placeholder="https://" />
              {Note ? (
                <small className={`delivery-note delivery-${Delivery}`} data-field-note={TemplateField}>
                  {Note}
                </small>
              ) : (
                <small>Event {EventType}</small>
              )}
            </label>
            {TemplateField === 'RecordExceptionNotifyUrl' && <LevelsField levels={levels} onChange={setLevels} />}
          </div>
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
