/** Lambda entry of awaitDrain: the handler for its EventBridge rule on the lifecycle bus. */
import { eventHandler } from '../../shared/runtime/aws/event-handler.ts';
import { awaitDrain } from '../awaitDrain.ts';

/** Lambda handler of awaitDrain. */
export const handler = eventHandler(awaitDrain);
