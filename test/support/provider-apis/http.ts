import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/** One request as an emulated API sees it. */
export interface EmulatedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** Parsed JSON body, or undefined when there is none. */
  readonly body: unknown;
}

/** What the emulated API answers. */
export interface EmulatedReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialised as JSON unless a string. */
  readonly body?: unknown;
}

/** A running emulated API on a loopback port. */
export interface EmulatedServer {
  readonly port: number;
  readonly origin: string;
  /** Every request seen, in order (method and path). */
  readonly log: { readonly method: string; readonly path: string }[];
  close(): Promise<void>;
}

/**
 * Serve `handle` on 127.0.0.1 (any free port), over HTTPS when `tls` is given. Malformed JSON
 * bodies get a 400 as the real APIs give; an exception in the handler becomes a 500.
 */
export async function serveEmulatedApi(
  handle: (request: EmulatedRequest) => EmulatedReply | Promise<EmulatedReply>,
  tls?: { readonly key: string; readonly cert: string },
): Promise<EmulatedServer> {
  const log: { method: string; path: string }[] = [];
  const sockets = new Set<Socket>();
  const listener = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    log.push({ method, path: url.pathname });
    let reply: EmulatedReply;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text === '' ? undefined : JSON.parse(text);
      reply = await handle({
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      });
    } catch (error) {
      reply =
        error instanceof SyntaxError
          ? { status: 400, body: { error: { message: 'malformed JSON' } } }
          : { status: 500, body: { error: { message: String(error) } } };
    }
    const payload =
      reply.body === undefined
        ? ''
        : typeof reply.body === 'string'
          ? reply.body
          : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(reply.body !== undefined && typeof reply.body !== 'string'
        ? { 'content-type': 'application/json' }
        : {}),
      ...reply.headers,
    });
    res.end(payload);
  };
  const server: Server = tls ? createTlsServer(tls, listener) : createServer(listener);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    log,
    async close() {
      if (!server.listening) return;
      const closed = once(server, 'close');
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The bearer token of a request, if any. */
export function bearer(request: EmulatedRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
}
