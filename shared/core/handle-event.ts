import type { LifecycleEvent } from '../schemas/lifecycle-event.ts';
import { STEP_FOR_EVENT, timed } from './advance.ts';
import type { Deps } from './deps.ts';
import { noop, type StepResult } from './step-result.ts';

/** Run the step a lifecycle event triggers; events that trigger nothing are acknowledged. */
export async function handleEvent(deps: Deps, event: LifecycleEvent): Promise<StepResult> {
  const step = STEP_FOR_EVENT[event.type];
  if (!step) return noop(event.burstId, event.type, 'informational event');
  const result = await timed(deps, step, event.burstId);
  if (result.outcome !== 'noop') {
    deps.logger.debug(`${event.type} -> ${result.step}: ${result.outcome}: ${result.why}`, {
      burstId: event.burstId,
    });
  }
  return result;
}
