/** A modal confirmation with OK and Cancel; Escape cancels, focus starts on OK. */
import { useEffect, useRef, type ReactNode } from 'react';

export function ConfirmDialog(props: { title: string; children: ReactNode; onOk: () => void; onCancel: () => void }) {
  const ok = useRef<HTMLButtonElement>(null);
  useEffect(() => ok.current?.focus(), []);
  return (
    <div className="backdrop" onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title">
        <h2 id="dialog-title">{props.title}</h2>
        <div className="dialog-body">{props.children}</div>
        <div className="actions">
          <button type="button" ref={ok} className="primary" onClick={props.onOk}>
            OK
          </button>
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
