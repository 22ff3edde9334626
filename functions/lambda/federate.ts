/** Lambda entry of federate: the handler for its EventBridge rule on the lifecycle bus. */
import { eventHandler } from '../../shared/runtime/aws/event-handler.ts';
import { federate } from '../federate.ts';

/** Lambda handler of federate. */
export const handler = eventHandler(federate);
