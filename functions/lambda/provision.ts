/** Lambda entry of provision: the handler for its EventBridge rule on the lifecycle bus. */
import { eventHandler } from '../../shared/runtime/aws/event-handler.ts';
import { provision } from '../provision.ts';

/** Lambda handler of provision. */
export const handler = eventHandler(provision);
