/** drain: Active -> Draining on TeardownRequested: cordon, then stop new traffic at the gateway and DNS. */
import { drain as drainStep } from '../shared/core/steps/drain.ts';
import { eventHandler } from '../shared/runtime/aws/event-handler.ts';
import { eventFunction } from '../shared/runtime/event-function.ts';

/** The drain function, triggered by TeardownRequested. */
export const drain = eventFunction('drain', ['TeardownRequested'], (deps, id) => drainStep(deps, id));

/** Lambda handler for its EventBridge rule on the lifecycle bus. */
export const handler = eventHandler(drain);
