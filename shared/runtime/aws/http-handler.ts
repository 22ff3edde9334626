import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { AuthError, ValidationError } from '../../errors.ts';
import { checkAuth, requireAuth } from '../auth.ts';
import { withDeadline } from '../deadline.ts';
import type { HttpRoute } from '../function-def.ts';
import { errorAnswer, HttpError } from '../http-errors.ts';
import { lazyDeps } from '../lazy-deps.ts';
import { createLogger } from '../logger.ts';
import { publishAfterWrite } from '../publish-after-write.ts';
import type { RouteMatch } from '../resolve-route.ts';
import { findRoute, type HttpApiEvent, toHttpRequest, toResult } from './http-api.ts';
import { jsonBody } from './json-body.ts';

/** A Lambda handler for API Gateway HTTP API (payload 2.0) events. */
export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** The route each in-flight event resolved to (set before auth, read by the handler). */
const matches = new WeakMap<object, RouteMatch>();

/**
 * Refuse to serve at all without credentials or `auth: none` (500, the field named in the log),
 * then resolve the route (404/405) and check the webhook credentials if it needs them (401).
 */
function routeAndAuth(routes: readonly HttpRoute[]): MiddlewareObj<APIGatewayProxyEventV2> {
  return {
    name: 'routeAndAuth',
    before: async function routeAndAuthBefore(request) {
      const deps = await lazyDeps();
      requireAuth(deps.config.server.auth, 'a Lambda HTTP function');
      const match = findRoute(routes, request.event);
      matches.set(request.event, match);
      if (match.route.auth) checkAuth(request.event.headers.authorization, deps.config.server.auth);
    },
  };
}

/**
 * Every failure becomes the JSON answer the local runtime gives (errorAnswer): bad input is a
 * 4xx naming the problem, a retryable backend failure 503 so Alertmanager retries. Only
 * failures of our own are logged as errors; nothing from the request (credentials) is logged.
 */
function answerErrors(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    name: 'answerErrors',
    onError: async function answerErrorsOnError(request) {
      const error = request.error;
      const answer = errorAnswer(error);
      if (!(error instanceof ValidationError || error instanceof HttpError || error instanceof AuthError)) {
        const logger = await lazyDeps().then(
          (deps) => deps.logger,
          () => createLogger(),
        );
        logger.error('request failed', { path: request.event.rawPath, error: error?.message });
      }
      request.response = toResult(answer);
    },
  };
}

/**
 * The Lambda handler of an HTTP function (middy 6): header normaliser, route and auth, JSON body
 * parser, the route's handler, JSON errors. After a route that may have written (anything but
 * GET) the outbox is published before answering, since the instance may be frozen afterwards;
 * a publish failure does not change the answer (see publishAfterWrite).
 * @example
 * export const handler = httpHandler(routes);
 */
export function httpHandler(routes: readonly HttpRoute[]): HttpApiHandler {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpHeaderNormalizer())
    .use(answerErrors())
    .use(routeAndAuth(routes))
    .use(jsonBody({ limitBytes: async () => (await lazyDeps()).config.server.bodyLimitBytes }))
    .handler(async (event, context) => {
      const parsed = event as HttpApiEvent;
      const match = matches.get(event) ?? findRoute(routes, parsed);
      return withDeadline(await lazyDeps(), context.getRemainingTimeInMillis(), async (deps) => {
        try {
          return toResult(await match.route.handle(deps, toHttpRequest(parsed, match)));
        } finally {
          if (match.route.method !== 'GET')
            await publishAfterWrite(deps, `${match.route.method} ${match.route.path}`);
        }
      });
    });
}
