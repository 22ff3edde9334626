/** scaleDown (schedule): observe the load over the window, decide, drain what is unneeded. */
import { scaleDown as pass } from '../shared/core/scale-down.ts';
import type { ScheduleFunction } from '../shared/runtime/event-function.ts';

/** The scaleDown function. */
export const scaleDown: ScheduleFunction = {
  name: 'scaleDown',
  task: 'scale-down',
  run: (deps) => pass(deps),
};
