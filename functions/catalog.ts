/** Every function, for the runtimes that host them all (local runtime, Cloud Functions). */
import type { EventFunction, ScheduleFunction } from '../shared/runtime/event-function.ts';
import type { HttpRoute } from '../shared/runtime/function-def.ts';
import { awaitDrain } from './awaitDrain.ts';
import { routes as alarmRoutes } from './capacityAlarm.ts';
import { clusterHealth } from './clusterHealth.ts';
import { deleteCluster } from './deleteCluster.ts';
import { drain } from './drain.ts';
import { federate } from './federate.ts';
import { finalize } from './finalize.ts';
import { routes as manualRoutes } from './manualBurst.ts';
import { provision } from './provision.ts';
import { reconcile } from './reconcile.ts';
import { route } from './route.ts';
import { scaleDown } from './scaleDown.ts';

/** HTTP routes of the webhook and manual API functions. */
export const HTTP_ROUTES: readonly HttpRoute[] = [...alarmRoutes, ...manualRoutes];

/** Lifecycle event functions, in lifecycle order. */
export const EVENT_FUNCTIONS: readonly EventFunction[] = [
  provision,
  federate,
  route,
  drain,
  awaitDrain,
  deleteCluster,
  finalize,
];

/** Scheduled functions. */
export const SCHEDULE_FUNCTIONS: readonly ScheduleFunction[] = [clusterHealth, scaleDown, reconcile];
