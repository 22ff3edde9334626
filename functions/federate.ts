/** federate: Ready -> Joined: join the cluster to the federation. */
import { federate as step } from '../shared/core/steps/federate.ts';
import { eventFunction } from '../shared/runtime/event-function.ts';

/** The federate function, triggered by ClusterReady. */
export const federate = eventFunction('federate', ['ClusterReady'], step);
