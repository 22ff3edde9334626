import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Deps } from '../../core/deps.ts';
import type { AuthSettings } from '../auth.ts';
import { handleRequest, type RawHttpRequest, tooLarge } from '../http/handle-request.ts';
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
export function createHttpServer(deps: Deps, options: HttpServerOptions): Server {
  const app = {
    routes: options.routes,
    deps: () => deps,
    auth: options.auth,
    where: 'the local runtime',
    publishAfterWrite: false,
  };
  return createServer((req, res) => {
    void handleRequest(app, toRawRequest(req)).then(({ answer, route }) => {
      // Whatever was not read (a refused request) is drained so the connection can be reused.
      if (!req.readableEnded) req.resume();
      deps.metrics.http.inc({ route, status: String(answer.status) });
      if (answer.status === 401) deps.metrics.authRefused.inc({ route });
      send(res, answer);
    });
  });
}

function toRawRequest(req: IncomingMessage): RawHttpRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const length = Number(req.headers['content-length'] ?? 0);
  return {
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? {} : Object.fromEntries(new URLSearchParams(url.slice(q + 1))),
    headers: req.headers as Record<string, string | undefined>,
    hasBody: length > 0 || req.headers['transfer-encoding'] !== undefined,
    readBody: (limit) => readBody(req, length, limit),
  };
}

async function readBody(req: IncomingMessage, length: number, limit: number): Promise<Buffer> {
  if (length > limit) throw tooLarge(limit, length);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
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
