/** Loading an action's result into a page: loading, error and data states, and a reload. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { callAction } from './api';

export interface ActionState<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  readonly reload: () => Promise<void>;
}

/**
 * Calls `action` with `params` now and whenever `params` changes (compared as JSON); with
 * `pollMs`, again at that interval. A stale answer (params changed meanwhile) is dropped.
 */
export function useAction<T>(action: string, params: Record<string, unknown> = {}, options: { pollMs?: number } = {}): ActionState<T> {
  const key = JSON.stringify(params);
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const latest = useRef(0);

  const load = useCallback(async () => {
    const ticket = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await callAction<T>(action, JSON.parse(key) as Record<string, unknown>);
      if (ticket === latest.current) setState({ data, loading: false });
    } catch (error) {
      if (ticket === latest.current) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, [action, key]);

  useEffect(() => {
    void load();
    if (!options.pollMs) return undefined;
    const timer = setInterval(() => void load(), options.pollMs);
    return () => clearInterval(timer);
  }, [load, options.pollMs]);

  return { data: state.data, error: state.error, loading: state.loading, reload: load };
}
