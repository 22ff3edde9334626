// Over ~350 lines on purpose: one emulated Keystone v3 + Magnum v1 endpoint, as a real cloud serves both on one catalog.
import { randomUUID } from 'node:crypto';
import type { KeystoneAuth } from '../../../shared/drivers/openstack/keystone.ts';
import type { EmulatedReply, EmulatedRequest, EmulatedServer } from './http.ts';
import { serveEmulatedApi } from './http.ts';
import { KeystoneEmulator } from './keystone.ts';
import { magnumError, type ResizeInFlight, resizeCluster, settleResize } from './magnum-resize.ts';
import { MemberApis } from './member-api.ts';
import { issueCertificate, makeTestCa, readCsr, type TestCa } from './x509.ts';

interface StoredCluster {
  uuid: string;
  name: string;
  status: string;
  status_reason?: string;
  health_status?: string;
  api_address?: string;
  labels: Record<string, string>;
  node_count: number;
  master_count: number;
  cluster_template_id: string;
  created_at: string;
  faults?: Record<string, string>;
  readyAt: number;
  goneAt?: number;
  failWith?: string;
  /** The stack update of a resize in flight. */
  resizing?: ResizeInFlight;
}

const CLUSTER_FIELDS = [
  'uuid',
  'name',
  'status',
  'status_reason',
  'health_status',
  'api_address',
  'labels',
  'node_count',
  'master_count',
  'cluster_template_id',
  'created_at',
  'faults',
] as const;

/**
 * Keystone v3 (password and application-credential auth, catalog, token expiry and
 * revocation) and Magnum v1 (clusters, certificates, resize; each resize behaviour's source is
 * in magnum-resize.ts) on one loopback port. The cluster CA
 * really signs the CSRs it is sent, and clusters move on with emulated time.
 */
export class MagnumEmulator {
  now = 0;
  /** Cluster quota of the project (Magnum's own quota: clusters per project). */
  maxClusters = Number.POSITIVE_INFINITY;
  /** Heat reason every cluster created from now on fails with (a project short of Nova quota). */
  provisioningFailure?: string;
  /** Keystone v3 of the same cloud (catalog: identity and container-infra). */
  readonly keystone: KeystoneEmulator;
  /** Client certificates signed (POST /certificates): each one a new cluster-admin credential. */
  certificatesIssued = 0;
  /** Heat reason every resize started from now on ends UPDATE_FAILED with. */
  resizeFailure?: string;
  /** Bounds of the default worker node group (min_node_count, max_node_count). */
  nodegroupBounds: { min: number; max?: number } = { min: 0 };
  /** Resizes accepted, by cluster name. */
  readonly resizes = new Map<string, number>();
  /** Bodies of the cluster creates received. */
  readonly creates: Record<string, unknown>[] = [];
  readonly template = { uuid: randomUUID(), name: 'k8s-1.33' };
  readonly #clusters = new Map<string, StoredCluster>();
  readonly #ca = new Map<string, TestCa>();
  /** The clusters' Kubernetes API servers: `api_address` once CREATE_COMPLETE. */
  readonly apis = new MemberApis('magnum');
  readonly #failures: EmulatedReply[] = [];
  #server?: EmulatedServer;

  constructor(
    readonly credentials: KeystoneAuth,
    readonly region = 'RegionOne',
    /** resizeMs: a Heat stack update adding nodes (Nova boot plus kubelet join). @default 5 min */
    readonly timings: { provisionMs: number; deleteMs: number; resizeMs?: number } = {
      provisionMs: 12 * 60_000,
      deleteMs: 5 * 60_000,
    },
  ) {
    this.keystone = new KeystoneEmulator(credentials, (origin) => [
      {
        type: 'identity',
        name: 'keystone',
        endpoints: [{ interface: 'public', region, url: `${origin}/identity/v3` }],
      },
      {
        type: 'container-infra',
        name: 'magnum',
        endpoints: [
          { interface: 'public', region, url: `${origin}/container-infra/v1` },
          { interface: 'public', region: 'OtherRegion', url: 'http://127.0.0.1:9/unused/v1' },
        ],
      },
    ]);
  }

  /** Lifetime of issued tokens in real milliseconds. */
  get tokenTtlMs(): number {
    return this.keystone.tokenTtlMs;
  }

  set tokenTtlMs(ms: number) {
    this.keystone.tokenTtlMs = ms;
  }

  /** Token requests served (to see caching and re-authentication). */
  get authentications(): number {
    return this.keystone.authentications;
  }

  /** Start listening; returns the Keystone v3 URL. */
  async start(): Promise<string> {
    this.#server = await serveEmulatedApi((request) => this.#serve(request));
    return `${this.#server.origin}/identity/v3`;
  }

  async close(): Promise<void> {
    await this.#server?.close();
    await this.apis.close();
  }

  get log(): readonly { readonly method: string; readonly path: string }[] {
    return this.#server?.log ?? [];
  }

  tick(ms = 60_000): void {
    this.now += ms;
  }

  /** Every token issued so far stops working (as after a Keystone restart with new keys). */
  revokeTokens(): void {
    this.keystone.revokeTokens();
  }

  failNext(status: number, title: string, detail: string): void {
    this.#failures.push(magnumError(status, title, detail));
  }

  /** Let the named cluster's create end CREATE_FAILED with this Heat reason. */
  failProvisioning(name: string, reason: string): void {
    for (const c of this.#clusters.values()) if (c.name === name) c.failWith = reason;
  }

  /** A cluster made outside clusterburst. */
  seed(name: string, labels: Record<string, string>): void {
    const uuid = randomUUID();
    this.#clusters.set(uuid, {
      uuid,
      name,
      status: 'CREATE_COMPLETE',
      health_status: 'HEALTHY',
      labels,
      node_count: 1,
      master_count: 1,
      cluster_template_id: this.template.uuid,
      created_at: new Date(0).toISOString(),
      readyAt: 0,
    });
  }

  /** Names of the clusters the project holds, one entry per cluster. */
  clusterNames(): string[] {
    this.#advance();
    return [...this.#clusters.values()].map((c) => c.name);
  }

  /** The PEM CA of a cluster (what client certificates must chain to). */
  caOf(name: string): string | undefined {
    const cluster = [...this.#clusters.values()].find((c) => c.name === name);
    return cluster && this.#caFor(cluster.uuid).certPem;
  }

  /**
   * Every complete cluster answers the Kubernetes API at its `api_address` before anyone reads
   * it, with a server certificate of the cluster CA; client certificates signed by that CA
   * (POST /certificates) authenticate, as Magnum's clusters do.
   */
  async #serve(request: EmulatedRequest): Promise<EmulatedReply> {
    this.#advance();
    await Promise.all(
      [...this.#clusters.values()]
        .filter((c) => c.status === 'CREATE_COMPLETE' || c.status.startsWith('UPDATE_'))
        .map(async (c) => {
          const ca = this.#caFor(c.uuid);
          const api = await this.apis.start(c.uuid, c.name, ca, { clientCaPem: ca.certPem });
          c.api_address = api.url;
        }),
    );
    return this.#handle(request);
  }

  #handle(request: EmulatedRequest): EmulatedReply {
    if (request.path === '/identity/v3/auth/tokens' && request.method === 'POST')
      return this.keystone.authenticate(request, this.#server?.origin ?? '');
    if (!request.path.startsWith('/container-infra/v1/'))
      return magnumError(404, 'Not Found', 'no such path');
    const refused = this.keystone.refuse(request);
    if (refused) return refused;
    const failure = this.#failures.shift();
    if (failure) return failure;
    this.#advance();
    const parts = request.path.slice('/container-infra/v1/'.length).split('/');
    if (parts[0] === 'certificates') return this.#certificates(request, parts[1]);
    if (parts[0] !== 'clusters') return magnumError(404, 'Not Found', 'no such resource');
    if (parts[1] === undefined || parts[1] === 'detail') {
      if (request.method === 'POST' && parts[1] === undefined) return this.#create(request);
      if (request.method === 'GET') return this.#list(request);
      return magnumError(405, 'Method Not Allowed', 'method not allowed');
    }
    const ident = decodeURIComponent(parts[1]);
    const matches = [...this.#clusters.values()].filter((c) => c.uuid === ident || c.name === ident);
    if (matches.length === 0) return magnumError(404, 'Not Found', `Cluster ${ident} could not be found.`);
    if (matches.length > 1)
      return magnumError(
        409,
        'Conflict',
        `Multiple clusters exist with same name. Please use the cluster uuid instead.`,
      );
    const cluster = matches[0]!;
    if (parts[2] === 'actions' && parts[3] === 'resize' && parts.length === 4) {
      if (request.method !== 'POST') return magnumError(405, 'Method Not Allowed', 'method not allowed');
      return resizeCluster(
        {
          now: this.now,
          resizeMs: this.timings.resizeMs ?? 5 * 60_000,
          bounds: this.nodegroupBounds,
          failure: this.resizeFailure,
          resizes: this.resizes,
        },
        request,
        cluster,
      );
    }
    if (request.method === 'GET') return { status: 200, body: this.#json(cluster) };
    if (request.method === 'DELETE') {
      if (cluster.status !== 'DELETE_IN_PROGRESS') {
        cluster.status = 'DELETE_IN_PROGRESS';
        cluster.goneAt = this.now + this.timings.deleteMs;
      }
      return { status: 204 };
    }
    return magnumError(405, 'Method Not Allowed', 'method not allowed');
  }

  #create(request: EmulatedRequest): EmulatedReply {
    const body = (request.body ?? {}) as Record<string, unknown>;
    this.creates.push(body);
    const name = String(body.name ?? '');
    if (!/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(name))
      return magnumError(400, 'Bad Request', 'Invalid input for field/attribute name.');
    const template = body.cluster_template_id;
    if (template !== this.template.uuid && template !== this.template.name) {
      return magnumError(400, 'Bad Request', `ClusterTemplate ${String(template)} could not be found.`);
    }
    if (this.#clusters.size >= this.maxClusters) {
      return magnumError(
        403,
        'Forbidden',
        `Resource Limit Exceeded: You have reached the maximum clusters per project, ${this.maxClusters}.`,
      );
    }
    const uuid = randomUUID();
    this.#clusters.set(uuid, {
      uuid,
      name,
      status: 'CREATE_IN_PROGRESS',
      labels: (body.labels as Record<string, string> | undefined) ?? {},
      node_count: Number(body.node_count ?? 1),
      master_count: Number(body.master_count ?? 1),
      cluster_template_id: this.template.uuid,
      created_at: new Date(this.now).toISOString(),
      readyAt: this.now + this.timings.provisionMs,
      ...(this.provisioningFailure !== undefined && { failWith: this.provisioningFailure }),
    });
    return { status: 202, body: { uuid } };
  }

  /** Paged like Magnum: `limit` and `marker` in, absolute `next` link out. */
  #list(request: EmulatedRequest): EmulatedReply {
    const all = [...this.#clusters.values()];
    const limit = Math.min(Number(request.query.get('limit') ?? 1000), 2);
    const marker = request.query.get('marker');
    const start = marker ? all.findIndex((c) => c.uuid === marker) + 1 : 0;
    const page = all.slice(start, start + limit);
    const last = page.at(-1);
    const more = start + limit < all.length && last;
    const next = more
      ? `${this.#server?.origin}/container-infra/v1${request.path.replace(/^\/container-infra\/v1/, '')}?limit=${limit}&marker=${last.uuid}`
      : undefined;
    return { status: 200, body: { clusters: page.map((c) => this.#json(c)), ...(next ? { next } : {}) } };
  }

  #certificates(request: EmulatedRequest, uuid: string | undefined): EmulatedReply {
    if (request.method === 'GET' && uuid) {
      if (!this.#clusters.has(uuid))
        return magnumError(404, 'Not Found', `Cluster ${uuid} could not be found.`);
      return { status: 200, body: { cluster_uuid: uuid, pem: this.#caFor(uuid).certPem, links: [] } };
    }
    if (request.method === 'POST' && !uuid) {
      const body = (request.body ?? {}) as { cluster_uuid?: string; csr?: string };
      const cluster = body.cluster_uuid ? this.#clusters.get(body.cluster_uuid) : undefined;
      if (!cluster) return magnumError(404, 'Not Found', `Cluster ${body.cluster_uuid} could not be found.`);
      const csr = readCsr(body.csr ?? '');
      if (!csr) return magnumError(400, 'Bad Request', 'Invalid CSR');
      const pem = issueCertificate(this.#caFor(cluster.uuid), { ...csr, usage: 'client' });
      this.certificatesIssued++;
      return { status: 201, body: { cluster_uuid: cluster.uuid, csr: body.csr, pem, links: [] } };
    }
    return magnumError(405, 'Method Not Allowed', 'method not allowed');
  }

  #caFor(uuid: string): TestCa {
    let ca = this.#ca.get(uuid);
    if (!ca) {
      ca = makeTestCa(`cluster ${uuid}`);
      this.#ca.set(uuid, ca);
    }
    return ca;
  }

  #advance(): void {
    for (const c of this.#clusters.values()) {
      settleResize(this.now, c);
      if (c.status === 'CREATE_IN_PROGRESS' && this.now >= c.readyAt) {
        if (c.failWith) {
          c.status = 'CREATE_FAILED';
          c.status_reason = c.failWith;
          c.faults = { kube_masters: c.failWith };
        } else {
          c.status = 'CREATE_COMPLETE';
          c.status_reason = 'Stack CREATE completed successfully';
          c.health_status = 'HEALTHY';
        }
      }
      if (c.status === 'DELETE_IN_PROGRESS' && c.goneAt !== undefined && this.now >= c.goneAt) {
        this.#clusters.delete(c.uuid);
        void this.apis.stop(c.uuid);
      }
    }
  }

  #json(c: StoredCluster): Record<string, unknown> {
    return Object.fromEntries(CLUSTER_FIELDS.map((k) => [k, c[k] ?? null]));
  }
}
