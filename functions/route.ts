/** route: Joined -> Active: after the endpoint passes its health check, DNS then gateway (make before break). */
import { route as step } from '../shared/core/steps/route.ts';
import { eventHandler } from '../shared/runtime/aws/event-handler.ts';
import { eventFunction } from '../shared/runtime/event-function.ts';

/** The route function, triggered by ClusterJoined. */
export const route = eventFunction('route', ['ClusterJoined'], step);

/** Lambda handler for its EventBridge rule on the lifecycle bus. */
export const handler = eventHandler(route);
