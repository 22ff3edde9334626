/** Lambda entry of manualBurst: the operator's API behind API Gateway's HTTP API. */
import { httpHandler } from '../../shared/runtime/aws/http-handler.ts';
import { routes } from '../manualBurst.ts';

/** Lambda handler for the operator's API (API Gateway HTTP API). */
export const handler = httpHandler(routes);
