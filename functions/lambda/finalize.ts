/** Lambda entry of finalize: the handler for its EventBridge rule on the lifecycle bus. */
import { eventHandler } from '../../shared/runtime/aws/event-handler.ts';
import { finalize } from '../finalize.ts';

/** Lambda handler of finalize. */
export const handler = eventHandler(finalize);
