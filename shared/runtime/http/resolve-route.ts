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
  const segments = path.split('/');
  let found: RouteMatch | undefined;
  let otherMethods = false;
  // Every route is tried (not only up to the first match), so a malformed parameter is a 400
  // whichever route comes first.
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (!params) continue;
    if (route.method === verb) found ??= { route, params };
    else otherMethods = true;
  }
  if (found) return found;
  if (otherMethods) throw new HttpError(405, `method ${verb} not allowed on ${path}`);
  throw new HttpError(404, `no route ${verb} ${path}`);
}
