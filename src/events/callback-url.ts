/** Which template URL receives an event, and whether the template wants it at all (events/registry.ts). */
import type { CallbackTemplate } from '../bindings/config-cache.js';
import type { EventPayload } from './payloads.js';
import { eventDescriptor } from './registry.js';

export function callbackUrlFor(template: CallbackTemplate, eventType: number): string {
  const descriptor = eventDescriptor(eventType);
  return descriptor ? template.urls[descriptor.templateUrl] : '';
}

/** False when the template filters this payload out (341 and RecordExceptionLevels); no template → true. */
export function templateWants(template: CallbackTemplate | undefined, payload: EventPayload): boolean {
  const wanted = eventDescriptor(payload.event_type)?.wanted;
  return !template || !wanted || wanted(template, payload);
}
