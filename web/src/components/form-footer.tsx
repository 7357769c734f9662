/** The foot of an edit form: the API's error, if any, then Save and Cancel. */
import { ErrorBox } from './states';

export function FormFooter({ error, busy, onCancel }: { error: unknown; busy: boolean; onCancel: () => void }) {
  return (
    <>
      <ErrorBox error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
