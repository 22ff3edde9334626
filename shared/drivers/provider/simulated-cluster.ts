import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * One simulated cluster: a real HTTP server on a loopback port. `GET /healthz` answers 503
 * until the cluster is ready, then 200; every other path answers with the cluster's name, the
 * way a service on the cluster would behind its ingress.
 */
export class SimulatedClusterServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #ready = false;
  /** Requests served to non-health paths (what the gateway sent it). */
  served = 0;

  constructor(readonly name: string) {
    this.#server = createServer((req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(this.#ready ? 200 : 503, { 'content-type': 'text/plain' });
        res.end(this.#ready ? 'ok\n' : 'starting\n');
        return;
      }
      this.served += 1;
      res.writeHead(200, { 'content-type': 'text/plain', 'x-cluster': this.name });
      res.end(`${this.name}\n`);
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
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
    return (this.#server.address() as AddressInfo).port;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get ready(): boolean {
    return this.#ready;
  }

  set ready(value: boolean) {
    this.#ready = value;
  }

  /** Open connections (what a gateway would count). */
  get connections(): number {
    return this.#sockets.size;
  }

  /** Stop listening and cut every open connection, as a deleted cluster would. */
  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = once(this.#server, 'close');
    this.#server.close();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}
