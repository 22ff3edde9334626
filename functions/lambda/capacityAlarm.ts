/** Lambda entries of capacityAlarm: the webhook routes (HTTP API) and CloudWatch alarm events. */
import { httpHandler } from '../../shared/runtime/aws/http-handler.ts';
import { triggerHandler } from '../../shared/runtime/aws/trigger-handler.ts';
import { fromCloudWatch, routes } from '../capacityAlarm.ts';

/** Lambda handler for the webhook routes (API Gateway HTTP API). */
export const handler = httpHandler(routes);

/** Lambda handler for CloudWatch "Alarm State Change" events delivered by an EventBridge rule. */
export const cloudWatchHandler = triggerHandler('capacityAlarm', fromCloudWatch);
