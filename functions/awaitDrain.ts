/** awaitDrain: Draining -> Leaving: wait (bounded) for connections to end, remove gateway servers, evict (also polled by clusterHealth). */
import { awaitDrain as step } from '../shared/core/steps/await-drain.ts';
import { eventFunction } from '../shared/runtime/event-function.ts';

/** The awaitDrain function, triggered by DrainStarted. */
export const awaitDrain = eventFunction('awaitDrain', ['DrainStarted'], step);
