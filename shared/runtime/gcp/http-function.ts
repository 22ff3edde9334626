import { randomUUID } from 'node:crypto';
import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import type { Deps } from '../../core/deps.ts';
import { AuthError, ValidationError } from '../../errors.ts';
import { checkAuth, requireAuth } from '../auth.ts';
import type { HttpAnswer, HttpRequest, HttpRoute } from '../function-def.ts';
import { errorAnswer, HttpError } from '../http-errors.ts';
import { requireJsonContentType } from '../json-content-type.ts';
import { lazyDeps } from '../lazy-deps.ts';
import { createLogger } from '../logger.ts';
import { publishAfterWrite } from '../publish-after-write.ts';
import { resolveRoute } from '../resolve-route.ts';

/**
 * A Cloud Functions HTTP function serving `routes` (paths below the function's URL, e.g.
 * `https://…/capacityAlarm/alerts/alertmanager`), with the local runtime's answers: 404/405,
 * 401 without the configured credentials, 415, 413 past the body limit, 400 naming
 * the field. The framework parses bodies before the function runs, so malformed
 * `application/json` gets its 400 (an Express error page) rather than ours. After a route that
 * may have written, the outbox is published before answering. Without credentials or an
 * explicit `server.auth: none` it serves nothing (500, the field named in the log).
 * @example
 * ff.http('capacityAlarm', httpFunction(routes));
 */
export function httpFunction(routes: readonly HttpRoute[]): HttpFunction {
  return async function serveHttp(req: Request, res: Response) {
    let answer: HttpAnswer;
    try {
      answer = await serve(routes, req);
    } catch (error) {
      answer = errorAnswer(error);
      if (!(error instanceof ValidationError || error instanceof HttpError || error instanceof AuthError)) {
        await logFailure(req.path, error);
      }
    }
    send(res, answer);
  };
}

async function serve(routes: readonly HttpRoute[], req: Request): Promise<HttpAnswer> {
  const deps = await lazyDeps();
  requireAuth(deps.config.server.auth, 'a Cloud Functions HTTP function');
  const match = resolveRoute(routes, req.method, req.path);
  if (match.route.auth) checkAuth(req.get('authorization'), deps.config.server.auth);
  const request: HttpRequest = {
    method: req.method.toUpperCase(),
    path: req.path,
    params: match.params,
    query: stringsOnly(req.query),
    headers: req.headers as Record<string, string | undefined>,
    body: readBody(req, deps),
    requestId: req.executionId ?? randomUUID(),
  };
  try {
    return await match.route.handle(deps, request);
  } finally {
    if (match.route.method !== 'GET')
      await publishAfterWrite(deps, `${match.route.method} ${match.route.path}`);
  }
}

/** The JSON body, checked like the local runtime does; undefined for GET, DELETE and empty bodies. */
function readBody(req: Request, deps: Deps): unknown {
  const method = req.method.toUpperCase();
  const size = req.rawBody?.length ?? 0;
  if (method === 'GET' || method === 'DELETE' || size === 0) return undefined;
  requireJsonContentType(req.get('content-type'));
  const limit = deps.config.server.bodyLimitBytes;
  if (size > limit) throw new HttpError(413, `body of ${size} bytes exceeds the limit of ${limit} bytes`);
  // The framework parsed application/json itself; other JSON types (`+json`) arrive as bytes.
  if (!Buffer.isBuffer(req.body) && typeof req.body !== 'string') return req.body;
  try {
    return JSON.parse(req.rawBody!.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `malformed JSON: ${(error as Error).message}`);
  }
}

function stringsOnly(query: Request['query']): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** Send an answer: JSON, or text for a string body. */
export function send(res: Response, answer: HttpAnswer): void {
  if (res.headersSent) return;
  if (typeof answer.body === 'string') {
    res.status(answer.status).type('text/plain').send(answer.body);
    return;
  }
  res.status(answer.status).json(answer.body ?? {});
}

/** Log a failure of our own (never the request: it may carry credentials). */
export async function logFailure(path: string, error: unknown): Promise<void> {
  const logger = await lazyDeps().then(
    (deps) => deps.logger,
    () => createLogger(),
  );
  logger.error('request failed', { path, error: (error as Error)?.message });
}
