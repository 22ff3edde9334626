/** Lambda entry of reconcile: the handler for its EventBridge schedule. */
import { scheduleHandler } from '../../shared/runtime/aws/schedule-handler.ts';
import { reconcile } from '../reconcile.ts';

/** Lambda handler of reconcile. */
export const handler = scheduleHandler(reconcile);
