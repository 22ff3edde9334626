// Over ~350 lines on purpose: one emulated ARM API for managed clusters, with its documented states and errors; agent pools are beside it (aks-agent-pools.ts).
import { createHash, generateKeyPairSync, randomInt } from 'node:crypto';
import { stringify } from 'yaml';
import { der, OID } from '../../../shared/drivers/provider/magnum-csr.ts';
import {
  type AgentPoolHost,
  agentPoolRequest,
  armError,
  type StoredPool,
  settleAgentPools,
} from './aks-agent-pools.ts';
import {
  bearer,
  type EmulatedReply,
  type EmulatedRequest,
  type EmulatedServer,
  serveEmulatedApi,
} from './http.ts';
import { MemberApis } from './member-api.ts';
import { issueCertificate, makeServerTls, makeTestCa, type TestCa } from './x509.ts';

interface StoredCluster {
  name: string;
  location: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
  provisioningState: string;
  readyAt: number;
  goneAt?: number;
  failWith?: ProvisioningError;
  /** Agent pool state by pool name (the profiles of the create PUT stay in `properties`). */
  pools?: Map<string, StoredPool>;
  /** URL of the cluster's API server (member-api.ts), once it has one. */
  apiUrl?: string;
}

/** An ARM error as AKS reports a failed provisioning: its own code, often the cause in `details`. */
export interface ProvisioningError {
  readonly code: string;
  readonly message: string;
  readonly details?: readonly ProvisioningError[];
}

interface StoredOperation {
  id: string;
  cluster: string;
  kind: 'create' | 'delete' | 'scale';
  status: 'InProgress' | 'Succeeded' | 'Failed';
  error?: ProvisioningError;
}

const CLUSTER =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters(?:\/([^/]+))?(\/listClusterAdminCredential)?$/i;
const AGENT_POOL =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)\/agentPools\/([^/]+)$/i;
const OPERATION =
  /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.ContainerService\/locations\/([^/]+)\/operations\/([^/]+)$/i;

/**
 * Azure Resource Manager for Microsoft.ContainerService managed clusters, over HTTPS on a
 * loopback port with a certificate from its own CA: PUT with If-None-Match, long-running
 * operations through Azure-AsyncOperation, provisioningState moving with emulated time,
 * admin kubeconfigs, paged lists, the QuotaExceeded error of a short core quota, and agent
 * pools that scale (aks-agent-pools.ts, each behaviour with its source).
 */
export class ArmEmulator {
  now = 0;
  /** Node quota of the emulated subscription. */
  maxNodes = Number.POSITIVE_INFINITY;
  /** Provisioning error every cluster created from now on fails with. */
  provisioningFailure?: ProvisioningError;
  /** Text handed out as every admin kubeconfig from now on (a broken one, for error tests). */
  adminKubeconfig?: string;
  /** Provisioning error every agent pool scale started from now on ends Failed with. */
  scaleFailure?: ProvisioningError;
  /** Agent pool PUTs that started a scale, by cluster name. */
  readonly scales = new Map<string, number>();
  readonly ca: TestCa;
  /** The clusters' Kubernetes API servers: their fqdn and kubeconfig server once Succeeded. */
  readonly apis = new MemberApis('aks');
  readonly #clusters = new Map<string, StoredCluster>();
  readonly #operations = new Map<string, StoredOperation>();
  readonly #failures: EmulatedReply[] = [];
  readonly #clusterCa: TestCa;
  readonly #adminKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  #server?: EmulatedServer;
  #seq = 0;

  constructor(
    readonly token: string,
    /** scaleMs: REFERENCE "Latencies": adding nodes takes 3-15 min on AKS. @default 5 min */
    readonly timings: { provisionMs: number; deleteMs: number; scaleMs?: number } = {
      provisionMs: 8 * 60_000,
      deleteMs: 4 * 60_000,
    },
  ) {
    this.ca = makeTestCa('emulated ARM CA');
    this.#clusterCa = makeTestCa('emulated AKS cluster CA');
  }

  /** Start listening over HTTPS; returns the endpoint origin. */
  async start(): Promise<string> {
    this.#server = await serveEmulatedApi((request) => this.#serve(request), makeServerTls(this.ca));
    return this.#server.origin;
  }

  async close(): Promise<void> {
    await this.#server?.close();
    await this.apis.close();
  }

  get log(): readonly { readonly method: string; readonly path: string }[] {
    return this.#server?.log ?? [];
  }

  /** The CA that signs the admin client certificates in the kubeconfigs. */
  get clusterCaPem(): string {
    return this.#clusterCa.certPem;
  }

  tick(ms = 60_000): void {
    this.now += ms;
  }

  failNext(status: number, code: string, message: string): void {
    this.#failures.push(armError(status, code, message));
  }

  /** Let the cluster's create end Failed with this provisioning error (and its details). */
  failProvisioning(name: string, code: string, message: string, details?: ProvisioningError[]): void {
    const cluster = this.#clusters.get(name);
    if (cluster) cluster.failWith = { code, message, ...(details && { details }) };
  }

  /** A cluster that was there before us. */
  seed(name: string, location: string, tags: Record<string, string>): void {
    this.#clusters.set(name, {
      name,
      location,
      tags,
      properties: {},
      provisioningState: 'Succeeded',
      readyAt: 0,
    });
  }

  clusterNames(): string[] {
    this.#advance();
    return [...this.#clusters.keys()];
  }

  /**
   * Every Succeeded cluster answers the Kubernetes API before anyone reads its fqdn or
   * kubeconfig: on its own loopback address at port 443, as `https://<fqdn>:443` says, or, where
   * port 443 cannot be bound, on any port of 127.0.0.1 (then only the kubeconfig reaches it).
   * The admin kubeconfig's client certificate (signed by the cluster CA) authenticates.
   */
  async #serve(request: EmulatedRequest): Promise<EmulatedReply> {
    this.#advance();
    await Promise.all(
      [...this.#clusters.values()]
        .filter((c) => c.provisioningState === 'Succeeded')
        .map(async (c) => {
          const api = await this.apis.start(
            c.name,
            c.name,
            this.#clusterCa,
            { clientCaPem: this.#clusterCa.certPem },
            () => ({ host: `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`, port: 443 }),
          );
          c.apiUrl = api.url;
        }),
    );
    return this.#handle(request);
  }

  #handle(request: EmulatedRequest): EmulatedReply {
    if (bearer(request) !== this.token)
      return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    if (!request.query.get('api-version'))
      return armError(400, 'MissingApiVersionParameter', 'api-version is required');
    const failure = this.#failures.shift();
    if (failure) return failure;
    this.#advance();
    const op = OPERATION.exec(request.path);
    if (op) {
      const stored = this.#operations.get(op[3] ?? '');
      if (!stored) return armError(404, 'NotFound', 'operation not found');
      return {
        status: 200,
        body: { name: stored.id, status: stored.status, ...(stored.error ? { error: stored.error } : {}) },
      };
    }
    const pool = AGENT_POOL.exec(request.path);
    if (pool) {
      const [, sub, rg, clusterName, poolName] = pool as unknown as string[];
      const at = { sub: sub!, rg: rg!, clusterName: clusterName!, name: poolName! };
      return agentPoolRequest(this.#poolHost, request, at, this.#clusters.get(at.clusterName));
    }
    const match = CLUSTER.exec(request.path);
    if (!match) return armError(404, 'InvalidResourceType', `no route for ${request.path}`);
    const [, sub, rg, name, credentials] = match as unknown as [
      string,
      string,
      string,
      string | undefined,
      string | undefined,
    ];
    const base = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters`;
    if (!name) return this.#list(request, base);
    const cluster = this.#clusters.get(name);
    if (credentials) {
      if (request.method !== 'POST') return armError(405, 'MethodNotAllowed', 'use POST');
      if (!cluster) return armError(404, 'ResourceNotFound', `managed cluster ${name} not found`);
      return {
        status: 200,
        body: { kubeconfigs: [{ name: 'clusterAdmin', value: this.#kubeconfig(cluster) }] },
      };
    }
    switch (request.method) {
      case 'GET':
        return cluster
          ? { status: 200, body: this.#json(cluster, base) }
          : armError(
              404,
              'ResourceNotFound',
              `The Resource 'Microsoft.ContainerService/managedClusters/${name}' under resource group '${rg}' was not found.`,
            );
      case 'PUT':
        return this.#put(request, sub, base, name);
      case 'DELETE':
        return this.#delete(sub, cluster);
      default:
        return armError(405, 'MethodNotAllowed', 'method not allowed');
    }
  }

  #put(request: EmulatedRequest, sub: string, base: string, name: string): EmulatedReply {
    if (this.#clusters.has(name) && request.headers['if-none-match'] === '*') {
      return armError(412, 'PreconditionFailed', 'The resource already exists.');
    }
    const body = request.body as {
      location?: string;
      tags?: Record<string, string>;
      properties?: Record<string, unknown>;
    };
    const pools = (body.properties?.agentPoolProfiles as { count?: number }[] | undefined) ?? [];
    const nodes = pools.reduce((sum, p) => sum + (p.count ?? 0), 0);
    const used = [...this.#clusters.values()].reduce(
      (sum, c) =>
        sum + ((c.properties.agentPoolProfiles as { count?: number }[] | undefined)?.[0]?.count ?? 0),
      0,
    );
    if (used + nodes > this.maxNodes) {
      return armError(
        400,
        'QuotaExceeded',
        `Provisioning of resource(s) for container service ${name} failed. Message: Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota.`,
      );
    }
    const cluster: StoredCluster = {
      name,
      location: body.location ?? 'westeurope',
      tags: body.tags ?? {},
      properties: body.properties ?? {},
      provisioningState: 'Creating',
      readyAt: this.now + this.timings.provisionMs,
      ...(this.provisioningFailure && { failWith: this.provisioningFailure }),
    };
    this.#clusters.set(name, cluster);
    const opId = this.#operation(name, 'create');
    return {
      status: 201,
      headers: { 'azure-asyncoperation': this.#operationUrl(sub, cluster.location, opId) },
      body: this.#json(cluster, base),
    };
  }

  /** The agent pool handler's view of this emulator. */
  get #poolHost(): AgentPoolHost {
    return {
      now: this.now,
      maxNodes: this.maxNodes,
      scaleFailure: this.scaleFailure,
      scaleMs: this.timings.scaleMs ?? 5 * 60_000,
      scales: this.scales,
      clusters: this.#clusters.values(),
      etag: (seed) =>
        createHash('sha256')
          .update(`${seed}-${++this.#seq}`)
          .digest('hex')
          .slice(0, 16),
      startScale: (sub, location, target) =>
        this.#operationUrl(sub, location, this.#operation(target, 'scale')),
    };
  }

  #delete(sub: string, cluster: StoredCluster | undefined): EmulatedReply {
    if (!cluster) return { status: 204 };
    if (cluster.provisioningState !== 'Deleting') {
      cluster.provisioningState = 'Deleting';
      cluster.goneAt = this.now + this.timings.deleteMs;
    }
    const url = this.#operationUrl(sub, cluster.location, this.#operation(cluster.name, 'delete'));
    return { status: 202, headers: { 'azure-asyncoperation': url, location: url } };
  }

  /** Two clusters per page, so the SDK has to follow nextLink. */
  #list(request: EmulatedRequest, base: string): EmulatedReply {
    const all = [...this.#clusters.values()];
    const skip = Number(request.query.get('$skipToken') ?? 0);
    const page = all.slice(skip, skip + 2).map((c) => this.#json(c, base));
    const more = skip + 2 < all.length;
    const nextLink = `${this.#server?.origin}${base}?api-version=${request.query.get('api-version')}&$skipToken=${skip + 2}`;
    return { status: 200, body: { value: page, ...(more ? { nextLink } : {}) } };
  }

  #operation(cluster: string, kind: StoredOperation['kind']): string {
    const id = createHash('sha256')
      .update(`${cluster}-${++this.#seq}`)
      .digest('hex')
      .slice(0, 16);
    this.#operations.set(id, { id, cluster, kind, status: 'InProgress' });
    return id;
  }

  #operationUrl(sub: string, location: string, id: string): string {
    return `${this.#server?.origin}/subscriptions/${sub}/providers/Microsoft.ContainerService/locations/${location}/operations/${id}?api-version=2025-10-01`;
  }

  #advance(): void {
    for (const cluster of this.#clusters.values()) {
      settleAgentPools(this.now, cluster, (target, error) => this.#settle(target, 'scale', error));
      if (cluster.provisioningState === 'Creating' && this.now >= cluster.readyAt) {
        cluster.provisioningState = cluster.failWith ? 'Failed' : 'Succeeded';
        this.#settle(cluster.name, 'create', cluster.failWith);
      }
      if (
        cluster.provisioningState === 'Deleting' &&
        cluster.goneAt !== undefined &&
        this.now >= cluster.goneAt
      ) {
        this.#clusters.delete(cluster.name);
        void this.apis.stop(cluster.name);
        this.#settle(cluster.name, 'delete');
      }
    }
  }

  #settle(cluster: string, kind: StoredOperation['kind'], error?: ProvisioningError): void {
    for (const op of this.#operations.values()) {
      if (op.cluster !== cluster || op.kind !== kind || op.status !== 'InProgress') continue;
      op.status = error ? 'Failed' : 'Succeeded';
      if (error) op.error = error;
    }
  }

  #fqdn(cluster: StoredCluster): string {
    // The API server's own address when it listens on 443 (https://<fqdn>:443 reaches it).
    const api = cluster.apiUrl ? new URL(cluster.apiUrl) : undefined;
    if (api?.port === '443' || (api && api.port === '')) return api.hostname;
    const id = createHash('sha256').update(cluster.name).digest('hex').slice(0, 8);
    return `${cluster.name}-${id}.hcp.${cluster.location}.azmk8s.io`;
  }

  #json(c: StoredCluster, base: string): Record<string, unknown> {
    const succeeded = c.provisioningState !== 'Creating';
    return {
      id: `${base}/${c.name}`,
      name: c.name,
      type: 'Microsoft.ContainerService/ManagedClusters',
      location: c.location,
      tags: c.tags,
      properties: {
        ...c.properties,
        provisioningState: c.provisioningState,
        powerState: { code: 'Running' },
        ...(succeeded ? { fqdn: this.#fqdn(c) } : {}),
        ...(c.provisioningState === 'Failed' && c.failWith
          ? { status: { provisioningError: c.failWith } }
          : {}),
      },
    };
  }

  /** An admin kubeconfig as AKS hands it out (base64 in JSON), with a client certificate. */
  #kubeconfig(cluster: StoredCluster): string {
    if (this.adminKubeconfig !== undefined) return Buffer.from(this.adminKubeconfig).toString('base64');
    const cert = issueCertificate(this.#clusterCa, {
      subject: der.name([
        [OID.organization, 'system:masters'],
        [OID.commonName, 'masterclient'],
      ]),
      publicKey: this.#adminKey.publicKey.export({ type: 'spki', format: 'der' }),
      usage: 'client',
    });
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const doc = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: cluster.name,
          cluster: {
            server: cluster.apiUrl ?? `https://${this.#fqdn(cluster)}:443`,
            'certificate-authority-data': b64(this.#clusterCa.certPem),
          },
        },
      ],
      users: [
        {
          name: `clusterAdmin_${cluster.name}`,
          user: {
            'client-certificate-data': b64(cert),
            'client-key-data': b64(
              this.#adminKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
            ),
          },
        },
      ],
      contexts: [
        { name: cluster.name, context: { cluster: cluster.name, user: `clusterAdmin_${cluster.name}` } },
      ],
      'current-context': cluster.name,
    };
    return b64(stringify(doc));
  }
}
