/** Every function, for the runtimes that host them all (local runtime, Cloud Functions). */
import type { FunctionCatalog } from '../shared/runtime/catalog.ts';
import type { EventFunction, ScheduleFunction } from '../shared/runtime/event-function.ts';
import type { HttpRoute } from '../shared/runtime/http/route.ts';
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

/**
 * Lifecycle event functions, in lifecycle order. Teardown starts with the drain step: the
 * operator's DELETE records the request with a TeardownRequested event (the drain function);
 * scaleDown and a TTL run the step directly.
 */
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

/** All of them, as a runtime takes them. */
export const CATALOG: FunctionCatalog = {
  http: HTTP_ROUTES,
  events: EVENT_FUNCTIONS,
  schedules: SCHEDULE_FUNCTIONS,
};
