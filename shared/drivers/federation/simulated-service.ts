import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { ServiceSpec } from '../../domain/services.ts';

/** What a listener needs of a service: its name, protocol and health check. */
export type ListenedService = Pick<ServiceSpec, 'name' | 'protocol' | 'health'>;

/**
 * One service on one simulated member: the data plane, its own loopback port, never the
 * cluster's API server. It plays a `type: LoadBalancer` Service in front of the service's pods:
 * - the address exists from placement on (a cloud load balancer is provisioned independently of
 *   the pods), but until the replicas are ready a connection is reset, as kube-proxy rejects
 *   traffic to a Service without ready endpoints;
 * - once ready, HTTP answers every path with `{service, cluster}` (headers `x-service`,
 *   `x-cluster`) and the health path with the status the health check expects; TCP accepts the
 *   connection and writes `<service> <cluster>\n`;
 * - `stop` is a pod's termination: no new connections, in-flight requests finish (answered with
 *   `connection: close`), what is still open after the grace period is cut.
 */
export class SimulatedServiceListener {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #stopping?: Promise<void>;
  /** Requests (HTTP) or connections (TCP) served once ready. */
  served = 0;

  constructor(
    public service: ListenedService,
    readonly cluster: string,
    /** Epoch ms from which the replicas are ready. */
    readonly readyAt: number,
  ) {
    this.#server =
      service.protocol === 'http'
        ? createHttpServer((req, res) => this.#answer(req, res))
        : createTcpServer();
    // 'connection' fires for both kinds before any byte is read: the place to refuse.
    this.#server.on('connection', (socket: Socket) => {
      if (!this.ready || this.#stopping) {
        socket.resetAndDestroy();
        return;
      }
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      if (service.protocol === 'tcp') this.#greet(socket);
    });
  }

  /** Whether the service's replicas on the member are ready. */
  get ready(): boolean {
    return Date.now() >= this.readyAt;
  }

  /** Open connections. */
  get connections(): number {
    return this.#sockets.size;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Listen on 127.0.0.1, on `port` if it is free (restoring after a restart), else any port. */
  async listen(port = 0): Promise<number> {
    try {
      this.#server.listen(port, '127.0.0.1');
      await once(this.#server, 'listening');
    } catch (error) {
      if (port === 0) throw error;
      this.#server.listen(0, '127.0.0.1');
      await once(this.#server, 'listening');
    }
    return this.port;
  }

  /**
   * Stop taking connections, let open ones finish for up to `graceMs`, then cut the rest.
   * Safe to call again and concurrently: every caller waits for the same stop.
   */
  stop(graceMs: number): Promise<void> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<void> {
    if (!this.#server.listening) return;
    const closed = once(this.#server, 'close');
    this.#server.close();
    if (this.service.protocol === 'http')
      (this.#server as ReturnType<typeof createHttpServer>).closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([closed, grace]);
    clearTimeout(timer);
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #answer(req: IncomingMessage, res: ServerResponse): void {
    this.served += 1;
    const headers = {
      'x-service': this.service.name,
      'x-cluster': this.cluster,
      ...(this.#stopping && { connection: 'close' }),
    };
    const path = new URL(req.url ?? '/', 'http://service').pathname;
    const health = this.service.health;
    if (health.type === 'http' && path === health.path) {
      res.writeHead(health.expectStatus, { ...headers, 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'application/json' });
    res.end(`${JSON.stringify({ service: this.service.name, cluster: this.cluster })}\n`);
  }

  #greet(socket: Socket): void {
    this.served += 1;
    socket.on('error', () => socket.destroy());
    socket.write(`${this.service.name} ${this.cluster}\n`);
  }
}
