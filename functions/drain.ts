/** drain: Active -> Draining on TeardownRequested: cordon, then stop new traffic at the gateway and DNS. */
import { drain as step } from '../shared/core/steps/drain.ts';
import { eventFunction } from '../shared/runtime/event-function.ts';

/** The drain function, triggered by TeardownRequested (what `DELETE /bursts/{id}` records). */
export const drain = eventFunction('drain', ['TeardownRequested'], (deps, id) => step(deps, id));
