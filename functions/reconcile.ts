/** reconcile (schedule): publish the outbox, re-drive stuck bursts, clean up orphans. */
import { reconcile as pass } from '../shared/core/reconcile.ts';
import type { ScheduleFunction } from '../shared/runtime/event-function.ts';

/** The reconcile function. */
export const reconcile: ScheduleFunction = { name: 'reconcile', task: 'reconcile', run: pass };
