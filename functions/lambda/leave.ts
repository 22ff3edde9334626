/** Lambda entry of leave: the handler for its EventBridge rule on the lifecycle bus. */
import { eventHandler } from '../../shared/runtime/aws/event-handler.ts';
import { leave } from '../leave.ts';

/** Lambda handler of leave. */
export const handler = eventHandler(leave);
