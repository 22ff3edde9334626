// Over ~350 lines on purpose: one emulated GKE v1 REST API (clusters, operations, node pool resize) with its documented states and errors.
import { createHash } from 'node:crypto';
import {
  grpcError,
  type ResizeFailure,
  type ResizeInFlight,
  setNodePoolSize,
  settleResize,
} from './gke-set-size.ts';
import {
  bearer,
  type EmulatedReply,
  type EmulatedRequest,
  type EmulatedServer,
  serveEmulatedApi,
} from './http.ts';
import { MemberApis } from './member-api.ts';
import { makeTestCa, type TestCa } from './x509.ts';

/** Numeric enums, as GKE answers when the client asks for `enum-encoding=int` (the Node client does). */
const ClusterStatus = { PROVISIONING: 1, RUNNING: 2, STOPPING: 4, ERROR: 5 } as const;
const OperationStatus = { RUNNING: 2, DONE: 3 } as const;
const OperationType = { CREATE_CLUSTER: 1, DELETE_CLUSTER: 2, SET_NODE_POOL_SIZE: 14 } as const;

interface StoredCluster {
  name: string;
  location: string;
  status: number;
  resourceLabels: Record<string, string>;
  nodes: number;
  autopilot?: { enabled: boolean };
  nodePools?: unknown[];
  /** `127.0.0.1:PORT` of the cluster's API server (member-api.ts), once RUNNING. */
  endpoint?: string;
  /** The cluster CA: signs its API server's certificate. */
  ca?: TestCa;
  statusMessage?: string;
  conditions?: { code: string; message: string; canonicalCode: number }[];
  readyAt: number;
  goneAt?: number;
  failWith?: { code: string; message: string };
  /** The node pool resize in flight. */
  resizing?: ResizeInFlight;
}

interface StoredOperation {
  name: string;
  operationType: number;
  status: number;
  targetLink: string;
  selfLink: string;
  startTime: string;
  endTime?: string;
  error?: { code: number; message: string };
}

const PATH = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/(clusters|operations)(?:\/([^/]+))?$/;
const SET_SIZE =
  /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/clusters\/([^/]+)\/nodePools\/([^/:]+):setSize$/;

/**
 * The google.rpc code GKE gives a failed create with this condition code: RESOURCE_EXHAUSTED (8)
 * for a stockout or used-up quota, FAILED_PRECONDITION (9) for the rest (a deleted service
 * account, a KMS key gone).
 */
const canonicalCode = (conditionCode: string): number =>
  conditionCode === 'GCE_STOCKOUT' || conditionCode === 'GCE_QUOTA_EXCEEDED' ? 8 : 9;

/** The zones of a location: a zone itself, or three zones of a region. */
const zonesOf = (location: string): string[] =>
  /-[a-z]$/.test(location) ? [location] : ['b', 'c', 'd'].map((z) => `${location}-${z}`);

/**
 * The GKE v1 REST API (clusters and operations of one project) on a loopback port, as the
 * Node client's REST transport speaks it: bearer token, numeric enums, operations for create,
 * delete and node pool resize (setSize), the quota error GKE gives when regional CPUs run short,
 * and emulated time. Each resize behaviour's source is in gke-set-size.ts.
 */
export class GkeEmulator {
  now = 0;
  /** Node quota of the emulated project (a create asking for more gets GKE's 403). */
  maxNodes = Number.POSITIVE_INFINITY;
  /** Condition every cluster created from now on ends in ERROR with (a zone stockout, say). */
  provisioningFailure?: { code: string; message: string };
  /** Error every node pool resize started from now on ends with. */
  resizeFailure?: ResizeFailure;
  /** Resize operations started, by cluster name. */
  readonly resizes = new Map<string, number>();
  /** The clusters' Kubernetes API servers: the endpoint of a RUNNING cluster. */
  readonly apis = new MemberApis('gke');
  readonly #clusters = new Map<string, StoredCluster>();
  readonly #operations = new Map<string, StoredOperation>();
  readonly #failures: EmulatedReply[] = [];
  #server?: EmulatedServer;
  #seq = 0;

  constructor(
    readonly token: string,
    /** resizeMs: REFERENCE "Latencies": adding nodes to a pool takes 2-5 min on GKE. @default 3 min */
    readonly timings: { provisionMs: number; deleteMs: number; resizeMs?: number } = {
      provisionMs: 6 * 60_000,
      deleteMs: 3 * 60_000,
    },
  ) {}

  /** Start listening; returns `127.0.0.1:<port>` for the client's apiEndpoint. */
  async start(): Promise<string> {
    this.#server = await serveEmulatedApi((request) => this.#serve(request));
    return `127.0.0.1:${this.#server.port}`;
  }

  async close(): Promise<void> {
    await this.#server?.close();
    await this.apis.close();
  }

  /** Requests seen so far. */
  get log(): readonly { readonly method: string; readonly path: string }[] {
    return this.#server?.log ?? [];
  }

  tick(ms = 60_000): void {
    this.now += ms;
  }

  /** Answer the next request with this HTTP status and gRPC status name. */
  failNext(status: number, code: string, message: string, times = 1): void {
    for (let i = 0; i < times; i++) this.#failures.push(grpcError(status, code, message));
  }

  /** Let the named cluster's create end in ERROR, as a zone stockout does. */
  failProvisioning(name: string, code: string, message: string): void {
    const cluster = this.#clusters.get(name);
    if (cluster) cluster.failWith = { code, message };
  }

  /** A cluster that was there before us, labelled as given. */
  seed(location: string, name: string, resourceLabels: Record<string, string>): void {
    this.#clusters.set(name, {
      name,
      location,
      status: ClusterStatus.RUNNING,
      resourceLabels,
      nodes: 1,
      readyAt: 0,
    });
  }

  clusterNames(): string[] {
    this.#advance();
    return [...this.#clusters.keys()];
  }

  /** Every RUNNING cluster answers the Kubernetes API at its endpoint before anyone reads it. */
  async #serve(request: EmulatedRequest): Promise<EmulatedReply> {
    this.#advance();
    await Promise.all(
      [...this.#clusters.values()]
        .filter((c) => c.status === ClusterStatus.RUNNING)
        .map(async (c) => {
          c.ca ??= makeTestCa(`gke ${c.name}`);
          // GKE's Kubernetes API takes the same OAuth access tokens as the GKE API.
          const api = await this.apis.start(c.name, c.name, c.ca, { acceptToken: (t) => t === this.token });
          c.endpoint = new URL(api.url).host;
        }),
    );
    return this.#handle(request);
  }

  #handle(request: EmulatedRequest): EmulatedReply {
    if (bearer(request) !== this.token)
      return grpcError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    const failure = this.#failures.shift();
    if (failure) return failure;
    this.#advance();
    const setSize = SET_SIZE.exec(request.path);
    if (setSize && request.method === 'POST') {
      const [, project, location, clusterName, pool] = setSize as unknown as string[];
      const path = {
        parent: `projects/${project}/locations/${location}`,
        clusterName: clusterName!,
        pool: pool!,
      };
      return setNodePoolSize(
        {
          now: this.now,
          resizeMs: this.timings.resizeMs ?? 3 * 60_000,
          maxNodes: this.maxNodes,
          failure: this.resizeFailure,
          resizes: this.resizes,
          clusters: this.#clusters.values(),
          isRunning: (c) => (c as StoredCluster).status === ClusterStatus.RUNNING,
          runningOn: (name) => this.#runningOn(name),
          startOperation: (name) => this.#operation(path.parent, name, OperationType.SET_NODE_POOL_SIZE),
        },
        path,
        this.#clusters.get(path.clusterName),
        request.body,
      );
    }
    const match = PATH.exec(request.path);
    if (!match) return grpcError(404, 'NOT_FOUND', `no route for ${request.path}`);
    const [, project, location, kind, id] = match as unknown as [
      string,
      string,
      string,
      string,
      string | undefined,
    ];
    const parent = `projects/${project}/locations/${location}`;
    if (kind === 'operations') {
      if (request.method !== 'GET') return grpcError(405, 'UNIMPLEMENTED', 'method not allowed');
      if (!id) return { status: 200, body: { operations: [...this.#operations.values()] } };
      const op = this.#operations.get(id);
      return op ? { status: 200, body: op } : grpcError(404, 'NOT_FOUND', `Not found: operation ${id}`);
    }
    if (!id) {
      if (request.method === 'GET') {
        const clusters = [...this.#clusters.values()].filter((c) => c.location === location);
        return { status: 200, body: { clusters: clusters.map((c) => this.#json(c, parent)) } };
      }
      if (request.method === 'POST') return this.#create(parent, location, request.body);
      return grpcError(405, 'UNIMPLEMENTED', 'method not allowed');
    }
    const cluster = this.#clusters.get(id);
    if (!cluster || cluster.location !== location)
      return grpcError(404, 'NOT_FOUND', `Not found: ${parent}/clusters/${id}.`);
    if (request.method === 'GET') return { status: 200, body: this.#json(cluster, parent) };
    if (request.method === 'DELETE') return this.#delete(parent, cluster);
    return grpcError(405, 'UNIMPLEMENTED', 'method not allowed');
  }

  #create(parent: string, location: string, body: unknown): EmulatedReply {
    const spec = (body as { cluster?: Record<string, unknown> } | undefined)?.cluster;
    const name = typeof spec?.name === 'string' ? spec.name : '';
    if (!/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/.test(name))
      return grpcError(400, 'INVALID_ARGUMENT', 'Invalid cluster name');
    if (this.#clusters.has(name))
      return grpcError(409, 'ALREADY_EXISTS', `Already exists: ${parent}/clusters/${name}.`);
    const pools = (spec?.nodePools as { initialNodeCount?: number }[] | undefined) ?? [];
    const nodes =
      pools.reduce((sum, p) => sum + (p.initialNodeCount ?? 0), 0) || (spec?.initialNodeCount as number) || 0;
    const used = [...this.#clusters.values()].reduce((sum, c) => sum + c.nodes, 0);
    if (used + nodes > this.maxNodes) {
      return grpcError(
        403,
        'PERMISSION_DENIED',
        `Insufficient regional quota to satisfy request: resource "CPUS": request requires '${nodes * 4}.0' and is short '${(used + nodes - this.maxNodes) * 4}.0'.`,
      );
    }
    this.#clusters.set(name, {
      name,
      location,
      status: ClusterStatus.PROVISIONING,
      resourceLabels: (spec?.resourceLabels as Record<string, string> | undefined) ?? {},
      nodes,
      autopilot: spec?.autopilot as { enabled: boolean } | undefined,
      nodePools: pools,
      readyAt: this.now + this.timings.provisionMs,
      ...(this.provisioningFailure && { failWith: this.provisioningFailure }),
    });
    return { status: 200, body: this.#operation(parent, name, OperationType.CREATE_CLUSTER) };
  }

  /** An operation not DONE on the cluster or one of its node pools. */
  #runningOn(clusterName: string): StoredOperation | undefined {
    return [...this.#operations.values()].find(
      (op) =>
        op.status !== OperationStatus.DONE &&
        (op.targetLink.endsWith(`/clusters/${clusterName}`) ||
          op.targetLink.includes(`/clusters/${clusterName}/`)),
    );
  }

  #delete(parent: string, cluster: StoredCluster): EmulatedReply {
    const running = this.#runningOn(cluster.name);
    if (running) {
      return grpcError(
        400,
        'FAILED_PRECONDITION',
        `Cluster is running incompatible operation ${running.name}.`,
      );
    }
    cluster.status = ClusterStatus.STOPPING;
    cluster.goneAt = this.now + this.timings.deleteMs;
    return { status: 200, body: this.#operation(parent, cluster.name, OperationType.DELETE_CLUSTER) };
  }

  #operation(parent: string, clusterName: string, operationType: number): StoredOperation {
    const name = `operation-${++this.#seq}-${createHash('sha256').update(clusterName).digest('hex').slice(0, 8)}`;
    const op: StoredOperation = {
      name,
      operationType,
      status: OperationStatus.RUNNING,
      targetLink: `https://container.googleapis.com/v1/${parent}/clusters/${clusterName}`,
      selfLink: `https://container.googleapis.com/v1/${parent}/operations/${name}`,
      startTime: new Date(this.now).toISOString(),
    };
    this.#operations.set(name, op);
    return op;
  }

  /** Move clusters and operations on to where emulated time says they are. */
  #advance(): void {
    for (const cluster of this.#clusters.values()) {
      settleResize(this.now, cluster, (operation, error) => {
        const op = this.#operations.get(operation);
        if (!op) return;
        op.status = OperationStatus.DONE;
        op.endTime = new Date(this.now).toISOString();
        if (error) op.error = { ...error };
      });
      if (cluster.status === ClusterStatus.PROVISIONING && this.now >= cluster.readyAt) {
        if (cluster.failWith) {
          cluster.status = ClusterStatus.ERROR;
          cluster.statusMessage = cluster.failWith.message;
          cluster.conditions = [{ ...cluster.failWith, canonicalCode: canonicalCode(cluster.failWith.code) }];
        } else {
          cluster.status = ClusterStatus.RUNNING;
        }
        this.#finish(cluster.name, OperationType.CREATE_CLUSTER, cluster.failWith);
      }
      if (
        cluster.status === ClusterStatus.STOPPING &&
        cluster.goneAt !== undefined &&
        this.now >= cluster.goneAt
      ) {
        this.#clusters.delete(cluster.name);
        void this.apis.stop(cluster.name);
        this.#finish(cluster.name, OperationType.DELETE_CLUSTER);
      }
    }
  }

  #finish(clusterName: string, type: number, error?: { code: string; message: string }): void {
    for (const op of this.#operations.values()) {
      if (op.operationType !== type || op.status === OperationStatus.DONE) continue;
      if (!op.targetLink.endsWith(`/clusters/${clusterName}`)) continue;
      op.status = OperationStatus.DONE;
      op.endTime = new Date(this.now).toISOString();
      if (error) op.error = { code: canonicalCode(error.code), message: error.message };
    }
  }

  #json(c: StoredCluster, parent: string): Record<string, unknown> {
    return {
      name: c.name,
      location: c.location,
      status: c.status,
      resourceLabels: c.resourceLabels,
      // A regional cluster spreads its pool over three zones; a node count is per zone.
      locations: zonesOf(c.location),
      ...(c.status === ClusterStatus.RUNNING
        ? { currentNodeCount: c.nodes * zonesOf(c.location).length }
        : {}),
      selfLink: `https://container.googleapis.com/v1/${parent}/clusters/${c.name}`,
      ...(c.autopilot ? { autopilot: c.autopilot } : {}),
      ...(c.nodePools ? { nodePools: c.nodePools } : {}),
      ...(c.statusMessage ? { statusMessage: c.statusMessage } : {}),
      ...(c.conditions ? { conditions: c.conditions } : {}),
      ...(c.endpoint
        ? {
            endpoint: c.endpoint,
            masterAuth: {
              clusterCaCertificate: Buffer.from(c.ca?.certPem ?? '').toString('base64'),
            },
          }
        : {}),
    };
  }
}
