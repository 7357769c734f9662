/** Which template URL receives which event type (tencent-css-callbacks.md §1.0). */
import type { CallbackTemplate } from '../bindings/config-cache.js';
import { EventType } from './payloads.js';

export function callbackUrlFor(template: CallbackTemplate, eventType: number): string {
  switch (eventType) {
    case EventType.pushStart:
      return template.urls.streamBegin;
    case EventType.pushEnd:
      return template.urls.streamEnd;
    case EventType.recordFile:
      return template.urls.record;
    case EventType.snapshot:
      return template.urls.snapshot;
    case EventType.pornDetection:
      return template.urls.porn;
    default:
      return '';
  }
}
