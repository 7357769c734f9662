/**
 * Makes the store's storage faults visible: counted in the metrics, flagged by a gauge, and logged
 * when a fault begins and when it ends (each failure itself is logged by whoever met it).
 */
import type { Logger } from 'pino';
import type { StorageFaults } from '../store/storage-faults.js';
import type { Metrics } from './metrics.js';

export function reportStorageFaults(faults: StorageFaults, metrics: Metrics, log: Logger): void {
  metrics.storageFault.set(faults.current() ? 1 : 0);
  let since: number | undefined;
  faults.onChange((fault) => {
    metrics.storageFault.set(fault ? 1 : 0);
    if (fault) {
      metrics.storageErrors.inc({ operation: fault.operation });
      if (fault.count === 1) log.error({ operation: fault.operation, cause: fault.message }, 'storage fault: the store refuses work');
      since = fault.since;
    } else {
      log.info({ faultMs: since === undefined ? undefined : Date.now() - since }, 'storage fault cleared: the store accepts writes again');
      since = undefined;
    }
  });
}
