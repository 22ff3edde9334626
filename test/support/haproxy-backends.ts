import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { clock } from './haproxy-load.ts';

/** A stand-in for a burst cluster's ingress (or the home service): answers with its name. */
export interface NamedHttpServer {
  readonly name: string;
  readonly address: '127.0.0.1';
  readonly port: number;
  /** Requests answered so far (health checks on `/healthz` not counted). */
  readonly served: number;
  /** When the first counted request arrived (`clock()`), if any. */
  readonly firstServedAt: number | undefined;
  /** Requests in progress (e.g. `/slow` streams). */
  readonly inFlight: number;
  stop(): Promise<void>;
}

/**
 * Starts an HTTP server on an ephemeral loopback port. `GET /` answers `<name>\n`; `GET /slow?ms=N`
 * streams its name, then ends after N ms (a long-lived response); `/healthz` answers `ok`.
 */
export async function startNamedHttpServer(name: string): Promise<NamedHttpServer> {
  let served = 0;
  let inFlight = 0;
  let firstServedAt: number | undefined;
  const server: Server = createHttpServer((req, res) => {
    if (req.url === '/healthz') {
      res.end('ok\n');
      return;
    }
    served++;
    firstServedAt ??= clock();
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/slow') {
      inFlight++;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`${name}\n`);
      const timer = setTimeout(() => res.end('done\n'), Number(url.searchParams.get('ms') ?? 30_000));
      res.on('close', () => {
        inFlight--;
        clearTimeout(timer);
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${name}\n`);
  });
  // Longer than HAProxy's idle-connection purge, so HAProxy never reuses a socket Node is closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = await listen(server);
  return {
    name,
    address: '127.0.0.1',
    port,
    get served() {
      return served;
    },
    get firstServedAt() {
      return firstServedAt;
    },
    get inFlight() {
      return inFlight;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TCP service that greets each connection with `<name>\n` and then echoes what it receives. */
export interface NamedTcpServer {
  readonly name: string;
  readonly address: '127.0.0.1';
  readonly port: number;
  /** Connections open now (HAProxy's health checks included while they last). */
  readonly open: number;
  /** Connections that sent at least one byte (real clients, not health checks). */
  readonly clients: number;
  stop(): Promise<void>;
}

/** Starts a TCP echo server on an ephemeral loopback port. */
export async function startNamedTcpServer(name: string): Promise<NamedTcpServer> {
  let clients = 0;
  const open = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    let counted = false;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    socket.write(`${name}\n`);
    socket.on('data', (chunk) => {
      if (!counted) clients++;
      counted = true;
      socket.write(chunk);
    });
  });
  const port = await listen(server);
  return {
    name,
    address: '127.0.0.1',
    port,
    get open() {
      return open.size;
    },
    get clients() {
      return clients;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // close() waits for open sockets; the test is done with them.
        for (const socket of open) socket.destroy();
      }),
  };
}

function listen(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}
