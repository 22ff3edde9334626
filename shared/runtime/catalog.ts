import type { EventFunction, ScheduleFunction } from './event-function.ts';
import type { HttpRoute } from './http/route.ts';

/**
 * Every function a runtime hosts, by trigger. The runtime receives it from its entry file under
 * functions/ (the layer above), so nothing in shared/ imports functions/.
 */
export interface FunctionCatalog {
  /** HTTP routes of the webhook and manual API functions. */
  readonly http: readonly HttpRoute[];
  /** Lifecycle event functions, in lifecycle order. */
  readonly events: readonly EventFunction[];
  /** Scheduled functions. */
  readonly schedules: readonly ScheduleFunction[];
}
