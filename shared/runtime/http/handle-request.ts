/**
 * The one HTTP request path of every runtime (local server, Lambda, Cloud Functions): route,
 * auth, content type, body size, JSON, the route's handler, the error answer, a log line for 5xx
 * only. Adapters translate their platform's request into a `RawHttpRequest` and the answer back.
 */
import type { Deps } from '../../core/deps.ts';
import { type AuthSettings, checkAuth, requireAuth } from '../auth.ts';
import { publishAfterWrite } from '../publish-after-write.ts';
import { memoFor } from './body-memo.ts';
import { errorAnswer, HttpError } from './http-errors.ts';
import { type RouteMatch, resolveRoute } from './resolve-route.ts';
import type { HttpAnswer, HttpRoute } from './route.ts';

/** A request as an adapter hands it over: headers lowercased, the body still raw. */
export interface RawHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Whether a body was sent (a Content-Length above 0, chunked, or a non-empty payload). */
  readonly hasBody: boolean;
  /**
   * The body's bytes (at once when they have all arrived); throws HttpError 413 as soon as it
   * grows past `limit`.
   */
  readBody(limit: number): Buffer | Promise<Buffer>;
  /** The platform's request id, if it has one. */
  readonly requestId?: string;
  /** The route the platform already matched (API Gateway's `routeKey`), if any. */
  readonly match?: (routes: readonly HttpRoute[]) => RouteMatch | undefined;
}

/** What one runtime serves and how. */
export interface HttpApp {
  readonly routes: readonly HttpRoute[];
  /** The dependencies; a failure (a bad configuration) is answered 500 and logged. */
  readonly deps: () => Deps | Promise<Deps>;
  /** Credentials to check; the configuration's `server.auth` (which must be set) when omitted. */
  readonly auth?: AuthSettings;
  /** Where this runs, for the ConfigError when `server.auth` is missing. */
  readonly where: string;
  /**
   * Publish the outbox before answering a route that may have written (anything but GET): on
   * Lambda and Cloud Functions the instance may be frozen right after; the local runtime's relay
   * runs on its own.
   */
  readonly publishAfterWrite: boolean;
}

/** The answer and the route it was for (`error` when none matched), for metrics. */
export interface HttpOutcome {
  readonly answer: HttpAnswer;
  readonly route: string;
}

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json$/;

/**
 * Serve one request; never throws. The steps that usually have their value at once (the deps,
 * a body already buffered, a repeat's remembered parse) are awaited only when pending: each
 * await of a value already there is a turn of the microtask queue, about 1 µs a webhook.
 */
export async function handleRequest(app: HttpApp, req: RawHttpRequest): Promise<HttpOutcome> {
  let deps: Deps | undefined;
  let route = 'error';
  try {
    const made = app.deps();
    deps = made instanceof Promise ? await made : made;
    const auth = app.auth ?? deps.config.server.auth;
    if (!app.auth) requireAuth(auth, app.where);
    const match = req.match?.(app.routes) ?? resolveRoute(app.routes, req.method, req.path);
    route = `${match.route.method} ${match.route.path}`;
    if (match.route.auth) checkAuth(req.headers.authorization, auth);
    const read = readJsonBytes(req, deps.config.server.bodyLimitBytes);
    const bytes = read instanceof Promise ? await read : read;
    const parsed = parseBody(deps, match.route, bytes?.length ? bytes : undefined);
    const body = parsed instanceof Promise ? await parsed : parsed;
    const request = {
      method: req.method.toUpperCase(),
      path: req.path,
      params: match.params,
      query: req.query,
      headers: req.headers,
      body,
      requestId: req.requestId ?? crypto.randomUUID(),
    };
    try {
      return { answer: await match.route.handle(deps, request), route };
    } finally {
      if (app.publishAfterWrite && match.route.method !== 'GET') await publishAfterWrite(deps, route);
    }
  } catch (error) {
    const answer = errorAnswer(error);
    if (answer.status >= 500) {
      // Never the request itself: it may carry credentials. Without deps (they failed to build),
      // a logger of its own, imported only then: Powertools is not loaded for a module import.
      (deps?.logger ?? (await import('../logger.ts')).createLogger()).error('request failed', {
        path: req.path,
        error: (error as Error)?.message,
      });
    }
    return { answer, route };
  }
}

/**
 * The body's bytes: undefined for GET, DELETE and no body (the route's schema judges); 415
 * unless the type is `application/json` or `application/*+json`, 413 past the limit.
 */
function readJsonBytes(req: RawHttpRequest, limit: number): Buffer | Promise<Buffer> | undefined {
  const method = req.method.toUpperCase();
  if (method === 'GET' || method === 'DELETE' || !req.hasBody) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!JSON_TYPE.test(type)) {
    throw new HttpError(415, `content type must be application/json, got "${type || 'none'}"`);
  }
  return req.readBody(limit);
}

/**
 * The body as the handler gets it (or a promise of it): JSON (400 if malformed), then the
 * route's own parse if it has one, remembered by the body's bytes.
 */
function parseBody(deps: Deps, route: HttpRoute, bytes: Buffer | undefined): unknown {
  const { parseBody: parse } = route;
  if (!parse) return bytes === undefined ? undefined : parseJson(bytes.toString('utf8'));
  if (bytes === undefined) return parse(deps, undefined);
  // One memo per configuration and route: the parse may read the configuration.
  return memoFor(deps.config, route).parse(bytes, () => parse(deps, parseJson(bytes.toString('utf8'))));
}

/** JSON.parse with the 400 every runtime answers to malformed JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `malformed JSON: ${(error as Error).message}`);
  }
}

/** The 413 for a body of `size` bytes (undefined: still streaming) past `limit`. */
export function tooLarge(limit: number, size?: number): HttpError {
  return new HttpError(
    413,
    size === undefined
      ? `body exceeds the limit of ${limit} bytes`
      : `body of ${size} bytes exceeds the limit of ${limit} bytes`,
  );
}
