/** finalize: Deleting -> Deleted: once the provider forgot the cluster, remove remaining DNS records. */
import { finalize as step } from '../shared/core/steps/finalize.ts';
import { eventHandler } from '../shared/runtime/aws/event-handler.ts';
import { eventFunction } from '../shared/runtime/event-function.ts';

/** The finalize function, triggered by ClusterDeleting. */
export const finalize = eventFunction('finalize', ['ClusterDeleting'], step);

/** Lambda handler for its EventBridge rule on the lifecycle bus. */
export const handler = eventHandler(finalize);
