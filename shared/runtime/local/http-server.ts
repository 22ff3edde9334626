import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AuthError, ValidationError } from '../../errors.ts';
import { type AuthSettings, checkAuth } from '../auth.ts';
import type { RuntimeDeps } from '../create-deps.ts';
import { type HttpAnswer, type HttpRequest, type HttpRoute, matchPath } from '../function-def.ts';
import { errorAnswer, HttpError } from '../http-errors.ts';

/** Options of the local runtime's HTTP server. */
export interface HttpServerOptions {
  readonly routes: readonly HttpRoute[];
  readonly auth: AuthSettings;
  /** Largest request body accepted. @default 1 MiB */
  readonly bodyLimitBytes?: number;
}

/**
 * One HTTP server for every function: routes, auth, a body limit, JSON only. Bad input gets a
 * 4xx with a JSON error naming the problem and never reaches a function, so it changes nothing.
 */
export function createHttpServer(deps: RuntimeDeps, options: HttpServerOptions): Server {
  const limit = options.bodyLimitBytes ?? 1024 * 1024;
  return createServer((req, res) => {
    const started = performance.now();
    void serve(deps, options, limit, req)
      .catch((error: unknown) => {
        if (!(error instanceof ValidationError || error instanceof HttpError || error instanceof AuthError)) {
          deps.logger.error('request failed', { path: req.url, error: (error as Error).message });
        }
        return { answer: errorAnswer(error), route: 'error' };
      })
      .then(({ answer, route }) => {
        deps.metrics.http.inc({ route, status: String(answer.status) });
        if (answer.status === 401) deps.metrics.authRefused.inc({ route });
        send(res, answer);
        deps.logger.debug('http', {
          method: req.method,
          path: req.url?.split('?')[0],
          status: answer.status,
          ms: Math.round(performance.now() - started),
        });
      });
  });
}

async function serve(
  deps: RuntimeDeps,
  options: HttpServerOptions,
  limit: number,
  req: IncomingMessage,
): Promise<{ answer: HttpAnswer; route: string }> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const candidates = options.routes.filter((r) => matchPath(r.path, url.pathname));
  const route = candidates.find((r) => r.method === method);
  if (!route) {
    req.resume();
    if (candidates.length) throw new HttpError(405, `method ${method} not allowed on ${url.pathname}`);
    throw new HttpError(404, `no route ${method} ${url.pathname}`);
  }
  const routeName = `${route.method} ${route.path}`;
  try {
    if (route.auth) checkAuth(req.headers.authorization, options.auth);
    const body = await readJson(req, method, limit);
    const request: HttpRequest = {
      method,
      path: url.pathname,
      params: matchPath(route.path, url.pathname)!,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers as Record<string, string | undefined>,
      body,
      requestId: randomUUID(),
    };
    return { answer: await route.handle(deps, request), route: routeName };
  } catch (error) {
    req.resume();
    return { answer: errorAnswer(error), route: routeName };
  }
}

/** Read and parse a JSON body: 415 for another content type, 413 past the limit, 400 if malformed. */
async function readJson(req: IncomingMessage, method: string, limit: number): Promise<unknown> {
  const length = Number(req.headers['content-length'] ?? 0);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (method === 'GET' || method === 'DELETE' || (length === 0 && !chunked)) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new HttpError(415, `content type must be application/json, got "${type || 'none'}"`);
  }
  if (length > limit) throw new HttpError(413, `body of ${length} bytes exceeds the limit of ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `malformed JSON: ${(error as Error).message}`);
  }
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  if (res.headersSent) return;
  if (typeof answer.body === 'string') {
    res.writeHead(answer.status, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(answer.body);
    return;
  }
  const body = JSON.stringify(answer.body ?? {});
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
