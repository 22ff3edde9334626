import { ValidationError } from '../errors.ts';
import { type LifecycleEvent, LifecycleEventSchema } from './lifecycle-event.ts';
import { LIFECYCLE_EVENT_SOURCE, LIFECYCLE_EVENT_TYPES } from './lifecycle-event-names.ts';
import { parseInput } from './parse.ts';
import * as z from './zod-mini.ts';

/**
 * A lifecycle event as an EventBridge rule delivers it: the EventBridge bus driver puts the
 * event in `detail`, its type in `detail-type` (what the serverless.yml rules match on) and
 * `clusterburst.lifecycle` in `source`.
 */
export const EventBridgeLifecycleEnvelopeSchema = z.looseObject({
  source: z.literal(LIFECYCLE_EVENT_SOURCE),
  'detail-type': z.enum(LIFECYCLE_EVENT_TYPES),
  detail: z.unknown(),
});

/** The lifecycle event carried by an EventBridge envelope, checked to be what the envelope says. */
export function lifecycleDetail(envelope: unknown): LifecycleEvent {
  const outer = parseInput(EventBridgeLifecycleEnvelopeSchema, envelope, 'EventBridge lifecycle event');
  const event = parseInput(LifecycleEventSchema, outer.detail, 'lifecycle event (EventBridge detail)');
  if (event.type !== outer['detail-type']) {
    const issue = `detail-type: "${outer['detail-type']}" does not match detail.type "${event.type}"`;
    throw new ValidationError(`invalid EventBridge lifecycle event: ${issue}`, [issue]);
  }
  return event;
}
