import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type RawHttpRequest, tooLarge } from '../http/handle-request.ts';
import type { RouteMatch } from '../http/resolve-route.ts';
import { type HttpAnswer, type HttpRoute, matchPath } from '../http/route.ts';

/**
 * The route API Gateway matched: it names it in `routeKey` (`POST /bursts/{id}`, as written in
 * serverless.yml). A `$default` route or a custom domain mapping names none: undefined, and the
 * shared path matches method and path itself.
 */
export function findRoute(
  routes: readonly HttpRoute[],
  event: APIGatewayProxyEventV2,
): RouteMatch | undefined {
  const byKey = routes.find((r) => `${r.method} ${r.path}` === event.routeKey);
  if (!byKey) return undefined;
  const path = event.rawPath || event.requestContext.http.path;
  return { route: byKey, params: matchPath(byKey.path, path) ?? defined(event.pathParameters) };
}

/** Path parameters API Gateway extracted, without absent ones (a mapping may strip a prefix). */
function defined(params: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

/** An HTTP API (payload format 2.0) event as the shared request path takes it. */
export function toRawRequest(event: APIGatewayProxyEventV2): RawHttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = event.body ?? '';
  return {
    method: event.requestContext.http.method,
    path: event.rawPath || event.requestContext.http.path,
    query: event.queryStringParameters ?? {},
    headers,
    hasBody: body.length > 0,
    readBody: async (limit) => {
      const bytes = Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8');
      if (bytes.length > limit) throw tooLarge(limit, bytes.length);
      return bytes;
    },
    requestId: event.requestContext.requestId,
    match: (routes) => findRoute(routes, event),
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
