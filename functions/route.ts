/** route: Joined -> Active: after the endpoint passes its health check, DNS then gateway (make before break). */
import { route as step } from '../shared/core/steps/route.ts';
import { eventFunction } from '../shared/runtime/event-function.ts';

/** The route function, triggered by ClusterJoined. */
export const route = eventFunction('route', ['ClusterJoined'], step);
