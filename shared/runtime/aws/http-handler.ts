import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { withDeadline } from '../deadline.ts';
import { type HttpApp, handleRequest } from '../http/handle-request.ts';
import type { HttpRoute } from '../http/route.ts';
import { lazyDeps } from '../lazy-deps.ts';
import { toRawRequest, toResult } from './http-api.ts';

/** A Lambda handler for API Gateway HTTP API (payload 2.0) events. */
export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The Lambda handler (middy 6) of an HTTP function: the event translated, the shared request
 * path (handleRequest: route, auth, JSON body, errors), the answer translated back. The outbox
 * is published before answering a route that may have written, since the instance may be
 * frozen afterwards. Serves nothing without credentials or `auth: none` (500, field logged).
 * @example
 * export const handler = httpHandler(routes);
 */
export function httpHandler(routes: readonly HttpRoute[]): HttpApiHandler {
  const app: HttpApp = { routes, deps: lazyDeps, where: 'a Lambda HTTP function', publishAfterWrite: true };
  const answer = async (event: APIGatewayProxyEventV2, scoped: HttpApp) =>
    toResult((await handleRequest(scoped, toRawRequest(event))).answer);
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler(
    async (event, context) => {
      // Dependencies that cannot be built (a bad configuration) are answered by the request path.
      const deps = await lazyDeps().catch(() => undefined);
      if (!deps) return answer(event, app);
      // Driver calls and retries stop before the invocation's own timeout (retryably).
      return withDeadline(deps, context.getRemainingTimeInMillis(), (scoped) =>
        answer(event, { ...app, deps: () => scoped }),
      );
    },
  );
}
