/** The event registry as the server describes it: template fields, labels, notes, filters. */
import type { EventTypeInfo } from './types';
import { useAction, type ActionState } from './use-action';

export const useEventTypes = (): ActionState<{ EventTypeList: EventTypeInfo[] }> =>
  useAction<{ EventTypeList: EventTypeInfo[] }>('DescribeCallbackEventTypes');

export const eventTypeName = (types: readonly EventTypeInfo[] | undefined, code: number): string =>
  types?.find((t) => t.EventType === code)?.Name ?? `Event ${code}`;
