/** Lambda entry of drain: the handler for its EventBridge rule on the lifecycle bus. */
import { eventHandler } from '../../shared/runtime/aws/event-handler.ts';
import { drain } from '../drain.ts';

/** Lambda handler of drain. */
export const handler = eventHandler(drain);
