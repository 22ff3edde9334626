import type { Deps } from '../../core/deps.ts';
import { HttpError } from './http-errors.ts';

/** An HTTP request as every runtime hands it to a function: JSON body parsed, headers lowercased. */
export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  /** Path parameters, e.g. `{ id }` for `/bursts/{id}`. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
  /** Platform request id (API Gateway, functions-framework) or a generated one. */
  readonly requestId: string;
}

/** What a function answers over HTTP. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** One HTTP route of a function. */
export interface HttpRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path with `{name}` parameters, as in serverless.yml. */
  readonly path: string;
  /** Whether the route needs the webhook credentials (all but health and metrics do). */
  readonly auth?: boolean;
  /**
   * The route's own parse of its JSON body (schema, normalisation): the handler then gets its
   * result as `request.body`. Must depend only on the body and the configuration: a
   * byte-identical repeat reuses the first result (`BodyMemo`), frozen.
   */
  readonly parseBody?: (deps: Deps, json: unknown) => unknown | Promise<unknown>;
  readonly handle: (deps: Deps, request: HttpRequest) => Promise<HttpAnswer>;
}

/**
 * Match `path` against a route pattern, returning the parameters (percent-decoded) or undefined.
 * A parameter that is not valid percent-encoding (`%E0%A4%A`) is the client's mistake: HttpError 400.
 * `path` may come split at `/` already (resolveRoute splits it once for every route).
 */
export function matchPath(
  pattern: string,
  path: string | readonly string[],
): Record<string, string> | undefined {
  const want = compiled(pattern);
  const got = typeof path === 'string' ? path.split('/') : path;
  if (want.length !== got.length) return undefined;
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (typeof w === 'string' ? w !== got[i] : !got[i]) return undefined;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (typeof w !== 'string') params[w.param] = decodeSegment(got[i]!);
  }
  return params;
}

/** A pattern's segments: literal text, or a `{name}` parameter. */
type Segment = string | { readonly param: string };

// Route patterns are few and fixed: parse each once, not on every request for every route.
const PATTERNS = new Map<string, readonly Segment[]>();
function compiled(pattern: string): readonly Segment[] {
  let segments = PATTERNS.get(pattern);
  if (!segments) {
    segments = pattern
      .split('/')
      .map((w) => (w.startsWith('{') && w.endsWith('}') ? { param: w.slice(1, -1) } : w));
    PATTERNS.set(pattern, segments);
  }
  return segments;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw malformedSegment(segment);
  }
}

/** The 400 for a path segment that is not valid percent-encoding. */
export function malformedSegment(segment: string): HttpError {
  return new HttpError(400, `malformed percent-encoding in path segment "${segment.slice(0, 64)}"`);
}

/** The 400 for the first segment of `path` that is not valid percent-encoding, if one is not. */
export function malformedPath(path: string): HttpError | undefined {
  for (const segment of path.split('/')) {
    try {
      decodeURIComponent(segment);
    } catch {
      return malformedSegment(segment);
    }
  }
  return undefined;
}
