/** deleteCluster: Leaving -> Deleting: unjoin, then ask the provider to delete the cluster. */
import { deleteCluster as step } from '../shared/core/steps/delete-cluster.ts';
import { eventFunction } from '../shared/runtime/event-function.ts';

/** The deleteCluster function, triggered by ClusterLeaving. */
export const deleteCluster = eventFunction('deleteCluster', ['ClusterLeaving'], step);
