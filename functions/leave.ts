/** leave: Draining -> Leaving: wait (bounded) for connections to end, remove gateway servers, evict (also polled by clusterHealth). */
import { leave as step } from '../shared/core/steps/leave.ts';
import { eventFunction } from '../shared/runtime/event-function.ts';

/** The leave function, triggered by DrainStarted. */
export const leave = eventFunction('leave', ['DrainStarted'], step);
