/** Running one user-triggered action at a time, with its error kept for display. */
import { useState } from 'react';

export function useBusy() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  /** Runs `work`; resolves true when it succeeded. */
  const run = async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clearError: () => setError(undefined) };
}
