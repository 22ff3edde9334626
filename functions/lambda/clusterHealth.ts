/** Lambda entry of clusterHealth: the handler for its EventBridge schedule. */
import { scheduleHandler } from '../../shared/runtime/aws/schedule-handler.ts';
import { clusterHealth } from '../clusterHealth.ts';

/** Lambda handler of clusterHealth. */
export const handler = scheduleHandler(clusterHealth);
