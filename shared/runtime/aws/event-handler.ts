import type { StepResult } from '../../core/step-result.ts';
import { ValidationError } from '../../errors.ts';
import {
  LIFECYCLE_EVENT_SOURCE,
  LIFECYCLE_EVENT_TYPES,
  type LifecycleEvent,
  LifecycleEventSchema,
} from '../../schemas/lifecycle-event.ts';
import { parseInput } from '../../schemas/parse.ts';
import * as z from '../../schemas/zod-mini.ts';
import type { EventFunction } from '../event-function.ts';
import { type TriggerHandler, triggerHandler } from './trigger-handler.ts';

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

/**
 * The Lambda handler of a lifecycle event function, for its EventBridge rule on the custom bus.
 * @example
 * export const handler = eventHandler(provision);
 */
export function eventHandler(fn: EventFunction): TriggerHandler<StepResult> {
  return triggerHandler(fn.name, (deps, envelope) => fn.run(deps, lifecycleDetail(envelope)));
}
