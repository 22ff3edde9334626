import { ValidationError } from '../../errors.ts';
import { parseInput } from '../../schemas/parse.ts';
import type { ScheduleFunction } from '../event-function.ts';
import { type TriggerHandler, triggerHandler } from './trigger-handler.ts';

/**
 * Check a schedule trigger for `fn`: the EventBridge "Scheduled Event" of its `schedule:`
 * rule, or the local form `{"task": "<task>"}` (handy with `serverless invoke local`), which
 * must name this function's task. The schema loads with the first event (no zod at a cold start).
 */
export async function checkScheduleEvent(fn: ScheduleFunction, event: unknown): Promise<void> {
  const { LocalScheduleEventSchema, ScheduleEventSchema } = await import('../../schemas/schedule.ts');
  parseInput(ScheduleEventSchema, event, 'schedule event');
  const local = LocalScheduleEventSchema.safeParse(event);
  if (local.success && local.data.task !== fn.task) {
    const issue = `task: this function runs "${fn.task}", not "${local.data.task}"`;
    throw new ValidationError(`invalid schedule event: ${issue}`, [issue]);
  }
}

/**
 * The Lambda handler of a scheduled function (scaleDown, clusterHealth, reconcile).
 * @example
 * export const handler = scheduleHandler(reconcile);
 */
export function scheduleHandler(fn: ScheduleFunction): TriggerHandler<unknown> {
  return triggerHandler(fn.name, async (deps, event) => {
    await checkScheduleEvent(fn, event);
    return fn.run(deps);
  });
}
