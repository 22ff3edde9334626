import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { type HttpApp, handleRequest, type RawHttpRequest, tooLarge } from '../http/handle-request.ts';
import { announcesBody, readBody } from '../http/read-body.ts';
import type { HttpAnswer, HttpRoute } from '../http/route.ts';
import { lazyDeps } from '../lazy-deps.ts';

/**
 * A Cloud Functions HTTP function serving `routes` (paths below the function's URL, e.g.
 * `https://…/capacityAlarm/alerts/alertmanager`): the request translated, the shared request
 * path (handleRequest), the answer translated back. The body is always judged from the bytes the
 * framework kept (`rawBody`), never from what its own parser made of them, so content types and
 * malformed JSON get the answers of the other runtimes (see answerFrameworkErrorsOurselves).
 * After a route that may have written, the outbox is published before answering. Without
 * credentials or an explicit `server.auth: none` it serves nothing (500, the field named in the log).
 * @example
 * ff.http('capacityAlarm', httpFunction(routes));
 */
export function httpFunction(routes: readonly HttpRoute[]): HttpFunction {
  const app: HttpApp = {
    routes,
    deps: lazyDeps,
    where: 'a Cloud Functions HTTP function',
    publishAfterWrite: true,
  };
  return async function serveHttp(req: Request, res: Response) {
    send(res, (await handleRequest(app, toRawRequest(req))).answer);
  };
}

function toRawRequest(req: Request): RawHttpRequest {
  const raw = req.rawBody;
  return {
    method: req.method,
    path: req.path,
    query: stringsOnly(req.query),
    headers: req.headers as Record<string, string | undefined>,
    // A body of no content type is left unread by every parser of the framework: read it here.
    hasBody: raw ? raw.length > 0 : announcesBody(req),
    readBody: async (limit) => {
      if (!raw) return readBody(req, limit);
      if (raw.length > limit) throw tooLarge(limit, raw.length);
      return raw;
    },
    ...(req.executionId && { requestId: req.executionId }),
  };
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
