/** finalize: Deleting -> Deleted: once the provider forgot the cluster, remove remaining DNS records. */
import { finalize as step } from '../shared/core/steps/finalize.ts';
import { eventFunction } from '../shared/runtime/event-function.ts';

/** The finalize function, triggered by ClusterDeleting. */
export const finalize = eventFunction('finalize', ['ClusterDeleting'], step);
