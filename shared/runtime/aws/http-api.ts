import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpAnswer, HttpRequest, HttpRoute } from '../function-def.ts';
import { matchPath } from '../function-def.ts';
import { type RouteMatch, resolveRoute } from '../resolve-route.ts';

/** An HTTP API (payload format 2.0) event once the JSON body parser has run: `body` is parsed. */
export type HttpApiEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown };

/**
 * Find the route of an HTTP API event. API Gateway names the route it matched in `routeKey`
 * (`POST /bursts/{id}`, as written in serverless.yml); a `$default` route or a custom domain
 * mapping falls back to matching method and path, with the local runtime's 404/405 answers.
 */
export function findRoute(routes: readonly HttpRoute[], event: HttpApiEvent): RouteMatch {
  const byKey = routes.find((r) => `${r.method} ${r.path}` === event.routeKey);
  const path = event.rawPath || event.requestContext.http.path;
  if (byKey) return { route: byKey, params: matchPath(byKey.path, path) ?? defined(event.pathParameters) };
  return resolveRoute(routes, event.requestContext.http.method, path);
}

/** Path parameters API Gateway extracted, without absent ones (a mapping may strip a prefix). */
function defined(params: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The runtime-neutral request a function's route handles. */
export function toHttpRequest(event: HttpApiEvent, match: RouteMatch): HttpRequest {
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath || event.requestContext.http.path,
    params: match.params,
    query: event.queryStringParameters ?? {},
    headers: event.headers ?? {},
    body: event.body,
    requestId: event.requestContext.requestId,
  };
}

/** The HTTP API (2.0) response for an answer: JSON, or text for a string body. */
export function toResult(answer: HttpAnswer): APIGatewayProxyStructuredResultV2 {
  if (typeof answer.body === 'string') {
    return {
      statusCode: answer.status,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: answer.body,
    };
  }
  return {
    statusCode: answer.status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(answer.body ?? {}),
  };
}
