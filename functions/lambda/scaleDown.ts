/** Lambda entry of scaleDown: the handler for its EventBridge schedule. */
import { scheduleHandler } from '../../shared/runtime/aws/schedule-handler.ts';
import { scaleDown } from '../scaleDown.ts';

/** Lambda handler of scaleDown. */
export const handler = scheduleHandler(scaleDown);
