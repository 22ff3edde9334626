import { ClusterburstError } from '../errors.ts';

/** Where the CLI finds the control plane. */
export interface ClientOptions {
  readonly url: string;
  readonly token?: string;
}

/** A failed API call, with the server's error text; status 0 when the server was not reached. */
export class ApiError extends ClusterburstError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `path` under the control plane's URL, keeping a path prefix the URL has (an API Gateway stage
 * such as `https://…/prod`): `new URL('/bursts', base)` would drop it. A full URL is kept.
 */
export function endpointUrl(base: string, path: string): URL {
  if (/^https?:/.test(path)) return new URL(path);
  return new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
}

/** Call the control plane's HTTP API and return the parsed JSON answer. */
export async function call(
  options: ClientOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(endpointUrl(options.url, path), {
      method,
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(options.token && { authorization: `Bearer ${options.token}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new ApiError(0, `cannot reach the control plane at ${options.url}: ${(error as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain-text answers are returned as they are
  }
  if (!res.ok) {
    const detail = (parsed as { error?: string; issues?: string[] })?.error ?? text;
    const issues = (parsed as { issues?: string[] })?.issues;
    throw new ApiError(
      res.status,
      `${res.status}: ${detail}${issues?.length ? `\n  ${issues.join('\n  ')}` : ''}`,
    );
  }
  return parsed;
}

/** Most pages `listAll` follows before it assumes the server is looping. */
const MAX_PAGES = 1000;

/**
 * One page of a list answer, whichever shape the server uses: a plain array, `{bursts}` (today),
 * or `{items, next}` (paged). `next` is a link (path or URL) or an opaque cursor.
 */
function page(answer: unknown, key: string): { items: unknown[]; next?: string } {
  if (Array.isArray(answer)) return { items: answer };
  const body = (answer ?? {}) as Record<string, unknown>;
  const items = Array.isArray(body.items) ? body.items : Array.isArray(body[key]) ? body[key] : undefined;
  if (!items) throw new ApiError(0, `unexpected answer: no list of ${key}`);
  const next = typeof body.next === 'string' && body.next !== '' ? body.next : undefined;
  return { items, ...(next && { next }) };
}

/** Every item of a list route, following `next` across pages. */
export async function listAll(options: ClientOptions, path: string, key: string): Promise<unknown[]> {
  const all: unknown[] = [];
  let current = path;
  for (let i = 0; i < MAX_PAGES; i++) {
    const { items, next } = page(await call(options, 'GET', current), key);
    all.push(...items);
    if (!next) return all;
    current = /^(\/|https?:)/.test(next) ? next : `${path}?cursor=${encodeURIComponent(next)}`;
  }
  throw new ApiError(0, `GET ${path}: more than ${MAX_PAGES} pages`);
}
