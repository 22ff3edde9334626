/** Lambda entry of deleteCluster: the handler for its EventBridge rule on the lifecycle bus. */
import { eventHandler } from '../../shared/runtime/aws/event-handler.ts';
import { deleteCluster } from '../deleteCluster.ts';

/** Lambda handler of deleteCluster. */
export const handler = eventHandler(deleteCluster);
