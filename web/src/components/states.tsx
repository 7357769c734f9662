/** The loading, error and empty states every list and form shares. */
import type { ReactNode } from 'react';
import { errorText } from '../api';
import type { ActionState } from '../use-action';

export const Loading = ({ what = 'Loading…' }: { what?: string }) => (
  <p className="state loading" role="status">
    {what}
  </p>
);

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="state error" role="alert">
      <span>{errorText(error)}</span>
      {onRetry && (
        <button type="button" className="link" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

const Empty = ({ children }: { children: ReactNode }) => <p className="state empty">{children}</p>;

/**
 * The usual shape of a loaded block: the error (with retry) if any, a loading line before the
 * first answer, the empty message when `isEmpty`, else the content.
 */
export function Loaded<T>(props: {
  state: ActionState<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const { data, error, loading, reload } = props.state;
  return (
    <>
      <ErrorBox error={error} onRetry={() => void reload()} />
      {data === undefined ? (
        loading && <Loading />
      ) : props.isEmpty?.(data) ? (
        <Empty>{props.empty}</Empty>
      ) : (
        props.children(data)
      )}
    </>
  );
}
