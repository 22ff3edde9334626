import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { errorAnswer, HttpError } from '../http/http-errors.ts';
import { malformedPath } from '../http/route.ts';

/** The part of an Express 5 application this touches. */
interface ExpressApplication {
  handle(req: IncomingMessage, res: ServerResponse, done?: (error?: unknown) => void): void;
}

/** An error raised by body-parser (http-errors): its status, whether its message may be shown. */
interface BodyParserError {
  readonly type?: string;
  readonly status?: number;
  readonly expose?: boolean;
  readonly message?: string;
}

const REDISPATCHED = Symbol('clusterburst.redispatched');
let installed = false;

/**
 * Make the functions framework hand requests its body parser refused to our function.
 * The framework (5.x) parses `application/json` bodies with body-parser before the function
 * runs and passes a parse failure to Express's default handler, which answers an HTML page;
 * it offers no hook for that (functions-framework-nodejs issue #686, still open). body-parser
 * keeps the raw bytes (`req.rawBody`, saved before parsing) and marks the stream consumed, so
 * the request is dispatched once more through the application: every parser now skips it, and
 * our function answers from `rawBody` exactly as the other runtimes do (route, auth, then our
 * JSON 400). Any other framework error is answered as JSON too, never as HTML.
 * Express is required from the framework's own location: it must be the copy that serves.
 */
export function answerFrameworkErrorsOurselves(): void {
  if (installed) return;
  installed = true;
  const fromFramework = createRequire(
    createRequire(import.meta.url).resolve('@google-cloud/functions-framework'),
  );
  const express = fromFramework('express') as { application: ExpressApplication };
  const original = express.application.handle;
  express.application.handle = function handle(this: ExpressApplication, req, res, done) {
    if (done) return original.call(this, req, res, done);
    return original.call(this, req, res, (error?: unknown) => {
      const failure = error as BodyParserError | undefined;
      const flagged = req as IncomingMessage & { [REDISPATCHED]?: boolean };
      if (failure?.type === 'entity.parse.failed' && !flagged[REDISPATCHED]) {
        flagged[REDISPATCHED] = true;
        (req as { body?: unknown }).body = undefined;
        return original.call(this, req, res, (again?: unknown) => answerJson(req, res, again));
      }
      answerJson(req, res, error);
    });
  };
}

/**
 * What the framework could not hand over, answered as our functions answer: a path that is not
 * valid percent-encoding (Express refuses to decode it before routing) as the shared request
 * path words it, anything else with the framework's status and no detail it does not expose.
 */
function answerJson(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  if (res.headersSent) return;
  const path = (req.url ?? '/').split('?')[0]!;
  const failure = (error ?? {}) as BodyParserError;
  const answer = !error
    ? errorAnswer(new HttpError(404, `no route ${req.method} ${path}`))
    : (failure.status === 400 && malformedPath(path) && errorAnswer(malformedPath(path))) || {
        status: failure.status ?? 500,
        body: { error: failure.expose && failure.message ? failure.message : 'internal error' },
      };
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
