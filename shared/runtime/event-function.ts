import { type Step, timed } from '../core/advance.ts';
import type { Deps } from '../core/deps.ts';
import { noop, type StepResult } from '../core/step-result.ts';
import type { LifecycleEventType } from '../schemas/lifecycle-event-names.ts';
import { parseInput } from '../schemas/parse.ts';
import type { ScheduleTask } from '../schemas/schedule.ts';

/** A function triggered by lifecycle events (EventBridge rule, Pub/Sub, the in-process bus). */
export interface EventFunction {
  readonly name: string;
  /** The event types its trigger subscribes to. */
  readonly events: readonly LifecycleEventType[];
  readonly run: (deps: Deps, event: unknown) => Promise<StepResult>;
}

/** A function run on a schedule (cron, EventBridge schedule, Cloud Scheduler). */
export interface ScheduleFunction {
  readonly name: string;
  readonly task: ScheduleTask;
  readonly run: (deps: Deps) => Promise<unknown>;
}

/** Wrap a lifecycle step as an event function: validate the event, ignore other types, run. */
export function eventFunction(
  name: string,
  events: readonly LifecycleEventType[],
  step: Step,
): EventFunction {
  return {
    name,
    events,
    run: async (deps, input) => {
      // Loaded with the first event: a cold start imports no zod.
      const { LifecycleEventSchema } = await import('../schemas/lifecycle-event.ts');
      const event = parseInput(LifecycleEventSchema, input, 'lifecycle event');
      if (!events.includes(event.type))
        return noop(event.burstId, name, `${name} does not handle ${event.type}`);
      return timed(deps, step, event.burstId);
    },
  };
}
