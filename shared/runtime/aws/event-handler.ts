import type { StepResult } from '../../core/step-result.ts';
import type { EventFunction } from '../event-function.ts';
import { type TriggerHandler, triggerHandler } from './trigger-handler.ts';

/**
 * The Lambda handler of a lifecycle event function, for its EventBridge rule on the custom bus.
 * The envelope's schema (schemas/eventbridge-lifecycle.ts) loads with the first event, so a
 * cold start imports no zod.
 * @example
 * export const handler = eventHandler(provision);
 */
export function eventHandler(fn: EventFunction): TriggerHandler<StepResult> {
  return triggerHandler(fn.name, async (deps, envelope) => {
    const { lifecycleDetail } = await import('../../schemas/eventbridge-lifecycle.ts');
    return fn.run(deps, lifecycleDetail(envelope));
  });
}
