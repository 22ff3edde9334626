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
  const key = `${verb} ${path}`;
  const known = STATIC.get(routes)?.get(key);
  if (known) return known;
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
  if (found) {
    if (Object.keys(found.params).length === 0) remember(routes, key, found);
    return found;
  }
  if (otherMethods) throw new HttpError(405, `method ${verb} not allowed on ${path}`);
  throw new HttpError(404, `no route ${verb} ${path}`);
}

/**
 * Matches of paths without parameters, per route table: a webhook's path is one of them, and
 * matching it against every route costs more than the rest of its routing. Bounded by the
 * table's routes (a match without parameters is a route's literal path).
 */
const STATIC = new WeakMap<readonly HttpRoute[], Map<string, RouteMatch>>();

function remember(routes: readonly HttpRoute[], key: string, match: RouteMatch): void {
  let known = STATIC.get(routes);
  if (!known) {
    known = new Map();
    STATIC.set(routes, known);
  }
  known.set(key, Object.freeze({ route: match.route, params: Object.freeze({}) }));
}
