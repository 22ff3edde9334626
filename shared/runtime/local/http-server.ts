import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AuthSettings } from '../auth.ts';
import type { RuntimeDeps } from '../create-deps.ts';
import { type HttpApp, handleRequest, type RawHttpRequest } from '../http/handle-request.ts';
import { announcesBody, readBody } from '../http/read-body.ts';
import type { HttpAnswer, HttpRoute } from '../http/route.ts';

/** Options of the local runtime's HTTP server. */
export interface HttpServerOptions {
  readonly routes: readonly HttpRoute[];
  readonly auth: AuthSettings;
}

/**
 * One node:http server for every function; the request path itself is the shared one
 * (handleRequest), this only translates node's request and response and counts answers.
 */
export function createHttpServer(deps: RuntimeDeps, options: HttpServerOptions): Server {
  const app: HttpApp = {
    routes: options.routes,
    deps: () => deps,
    auth: options.auth,
    where: 'the local runtime',
    publishAfterWrite: false,
  };
  return createServer((req, res) => void serve(app, deps, req, res));
}

async function serve(app: HttpApp, deps: RuntimeDeps, req: IncomingMessage, res: ServerResponse) {
  const { answer, route } = await handleRequest(app, new NodeRequest(req));
  // Whatever was not read (a refused request) is drained so the connection can be reused.
  if (!req.readableEnded) req.resume();
  deps.metrics.http.inc({ route, status: String(answer.status) });
  if (answer.status === 401) deps.metrics.authRefused.inc({ route });
  send(res, answer);
}

/** Node's request as the shared request path takes it (a class: no closures made per request). */
class NodeRequest implements RawHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly hasBody: boolean;
  readonly #req: IncomingMessage;

  constructor(req: IncomingMessage) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.#req = req;
    this.method = req.method ?? 'GET';
    this.path = q < 0 ? url : url.slice(0, q);
    this.query = q < 0 ? {} : Object.fromEntries(new URLSearchParams(url.slice(q + 1)));
    this.headers = req.headers as Record<string, string | undefined>;
    this.hasBody = announcesBody(req);
  }

  readBody(limit: number): Buffer | Promise<Buffer> {
    return readBody(this.#req, limit);
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
