import { HttpError } from './http-errors.ts';
import { type HttpRoute, matchPath } from './route.ts';

/** The route a request asks for, with its path parameters. */
export interface RouteMatch {
  readonly route: HttpRoute;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Find the route for a method and path as the local runtime does: 405 when the path exists
 * with other methods, 404 when it does not. Platform-neutral: the Lambda adapter falls back to
 * it when API Gateway names no route, and the Cloud Functions adapter always uses it.
 */
export function resolveRoute(routes: readonly HttpRoute[], method: string, path: string): RouteMatch {
  const verb = method.toUpperCase();
  const candidates = routes.filter((r) => matchPath(r.path, path));
  const route = candidates.find((r) => r.method === verb);
  if (!route) {
    if (candidates.length) throw new HttpError(405, `method ${verb} not allowed on ${path}`);
    throw new HttpError(404, `no route ${verb} ${path}`);
  }
  return { route, params: matchPath(route.path, path)! };
}
