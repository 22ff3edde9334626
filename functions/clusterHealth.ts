/** clusterHealth (schedule): poll every live burst and run the step its phase is waiting on. */
import { clusterHealth as pass } from '../shared/core/cluster-health.ts';
import type { ScheduleFunction } from '../shared/runtime/event-function.ts';

/** The clusterHealth function. */
export const clusterHealth: ScheduleFunction = { name: 'clusterHealth', task: 'health', run: pass };
