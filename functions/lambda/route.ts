/** Lambda entry of route: the handler for its EventBridge rule on the lifecycle bus. */
import { eventHandler } from '../../shared/runtime/aws/event-handler.ts';
import { route } from '../route.ts';

/** Lambda handler of route. */
export const handler = eventHandler(route);
