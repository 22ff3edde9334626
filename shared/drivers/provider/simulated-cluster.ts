import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The paths kube-apiserver's `system:public-info-viewer` ClusterRole lets anyone read. */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

/** What `/version` answers (k8s.io/apimachinery/pkg/version.Info). */
const VERSION = {
  major: '1',
  minor: '35',
  gitVersion: 'v1.35.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.25.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/**
 * One simulated cluster's Kubernetes API server, on a loopback port: the control plane only.
 * Its services are not here; the federation places them on their own listeners (the data plane).
 * What it emulates of kube-apiserver (kubernetes/kubernetes, staging/src/k8s.io/apiserver):
 * - `/healthz`, `/livez`, `/readyz`: `ok` (200) once ready, `healthz check failed` (500) before,
 *   as the healthz handlers answer; with `/version` they are readable without credentials, the
 *   nonResourceURLs of the `system:public-info-viewer` ClusterRole bound to
 *   `system:unauthenticated` (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go).
 * - Any other request without valid credentials: 401 with a `Status` (kind Status, apiVersion
 *   v1, status Failure, reason Unauthorized, code 401), as an API server answers when anonymous
 *   requests are allowed only on the health endpoints (AuthenticationConfiguration
 *   `anonymous.conditions`, KEP-4633; an API server allowing every anonymous request answers 403
 *   Forbidden for `system:anonymous` instead). A user request sent here by mistake, whatever its
 *   Host header, is never answered by a service.
 * - With the cluster's bearer token: `/api` (APIVersions) and `/apis` (APIGroupList); anything
 *   else a 404 `Status` (reason NotFound): the simulation keeps no Kubernetes objects.
 */
export class SimulatedClusterServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #ready = false;
  /** Requests refused for want of credentials (user traffic sent to the API by mistake, say). */
  unauthorized = 0;

  constructor(
    readonly name: string,
    /** The bearer token `credentials` hands out for this cluster. */
    readonly token = `simulated-${name}`,
  ) {
    this.#server = createServer((req, res) => this.#answer(req, res));
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

  /** Open connections. */
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

  #answer(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://api').pathname;
    const authenticated = req.headers.authorization === `Bearer ${this.token}`;
    if (!authenticated && !PUBLIC_PATHS.has(path)) this.unauthorized += 1;
    const { code, body } = this.#reply(path, authenticated);
    const text = typeof body === 'string';
    res.writeHead(code, { 'content-type': text ? 'text/plain; charset=utf-8' : 'application/json' });
    res.end(text ? body : JSON.stringify(body));
  }

  #reply(path: string, authenticated: boolean): { readonly code: number; readonly body: unknown } {
    if (PUBLIC_PATHS.has(path) || (authenticated && isHealthPath(path))) {
      if (path.startsWith('/version')) return { code: 200, body: VERSION };
      if (this.#ready) return { code: 200, body: 'ok' };
      return { code: 500, body: `[-]etcd failed: reason withheld\n${checkName(path)} check failed\n` };
    }
    if (!authenticated) return { code: 401, body: status(401, 'Unauthorized', 'Unauthorized') };
    if (path === '/api') {
      const serverAddress = `127.0.0.1:${this.port}`;
      const body = {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
      };
      return { code: 200, body };
    }
    if (path === '/apis') return { code: 200, body: { kind: 'APIGroupList', apiVersion: 'v1', groups: [] } };
    return { code: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') };
  }
}

/** A `/healthz`, `/livez` or `/readyz` path, or one of their individual checks. */
function isHealthPath(path: string): boolean {
  return /^\/(healthz|livez|readyz)(\/.*)?$/.test(path);
}

function checkName(path: string): string {
  return path.split('/')[1] ?? 'healthz';
}

/** A `metav1.Status` failure, as every API error is written. */
function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
