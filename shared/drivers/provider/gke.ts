/**
 * Over ~350 lines on purpose: one driver class (create, adopt, map a cluster's status); resize,
 * error reading and label encoding are beside it (gke-resize.ts, gke-errors.ts, gke-labels.ts)
 * and its options schema leaves with issue 10 item 3.
 */
import { ClusterManagerClient, protos } from '@google-cloud/container';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import { classifyError, GrpcCode, grpcFacts } from '../cloud/classify-error.ts';
import {
  codeOf,
  conditionCode,
  enumName,
  errorIsQuota,
  operationError,
  statusIsQuota,
} from './gke-errors.ts';
import { decodeLabels, encodeLabels, encodeValue, LABEL_KEYS } from './gke-labels.ts';
import type { GkeOptions } from './gke-options.ts';
import { type GkeResizeContext, gkeResizeView, requestGkeResize } from './gke-resize.ts';
import type { ClusterCredentials, ClusterSpec, ProviderCluster, ProviderDriver } from './provider.ts';
import { checkDeletable, checkNodeCount, checkRegion, checkResizable, resized } from './provider-checks.ts';

type GkeCluster = protos.google.container.v1.ICluster;
type GkeOperation = protos.google.container.v1.IOperation;
const { Cluster, Operation } = protos.google.container.v1;

/** Injected collaborators. */
export interface GkeDeps {
  /**
   * Where OAuth access tokens come from, both for the API calls and for the cluster credentials.
   * @default Application Default Credentials through the client's GoogleAuth
   */
  readonly tokenSource?: () => Promise<string>;
}

const NODE_POOL = 'burst';

/**
 * Google Kubernetes Engine, Standard (one node pool of `nodes` nodes per zone of the location)
 * or Autopilot. Create, delete and their operations run at Google; `describe` reads the cluster
 * and, while it provisions or after it failed, the create operation for the why.
 */
export class GkeProvider implements ProviderDriver {
  readonly #options: GkeOptions;
  readonly #client: ClusterManagerClient;
  readonly #tokenSource: () => Promise<string>;
  /** Create operations started by this instance; other instances find theirs by listing. */
  readonly #operations = new Map<string, string>();

  constructor(
    readonly name: string,
    options: GkeOptions,
    deps: GkeDeps = {},
  ) {
    this.#options = options;
    const { apiEndpoint, protocol } = this.#options;
    const [host, port] = apiEndpoint?.split(/:(?=\d+$)/) ?? [];
    const tokenSource = deps.tokenSource;
    this.#client = new ClusterManagerClient({
      // REST transport: plain HTTPS+JSON, no gRPC channel to keep in a short-lived function.
      fallback: true,
      ...(host ? { apiEndpoint: host } : {}),
      ...(port ? { port: Number(port) } : {}),
      ...(protocol === 'http' ? { protocol } : {}),
      ...(tokenSource ? { authClient: bearerAuthClient(tokenSource) } : {}),
    });
    this.#tokenSource =
      tokenSource ??
      (async () => {
        const token = await this.#client.auth.getAccessToken();
        if (!token) throw new DriverError(this.name, 'Application Default Credentials gave no access token');
        return token;
      });
  }

  get #parent(): string {
    return `projects/${this.#options.project}/locations/${this.#options.location}`;
  }

  get #call() {
    return { timeout: this.#options.callTimeoutMs, maxRetries: 2 };
  }

  async create(spec: ClusterSpec): Promise<ProviderCluster> {
    const { location } = this.#options;
    // A zonal location (europe-west1-b) serves its region (europe-west1) too.
    const regionOfLocation = location.replace(/-[a-z]$/, '');
    checkRegion(
      this.name,
      spec.region,
      location,
      spec.region === location || spec.region === regionOfLocation,
    );
    const existing = await this.#get(spec.name);
    if (existing) return this.#adopt(existing, spec.owner);
    const labels = encodeLabels({
      ...spec.labels,
      [OWNER_LABEL]: spec.owner,
      [BURST_ID_LABEL]: spec.burstId,
    });
    try {
      const [operation] = await this.#client.createCluster(
        { parent: this.#parent, cluster: this.#clusterSpec(spec, labels) },
        this.#call,
      );
      if (operation.name) this.#operations.set(spec.name, operation.name);
      if (operation.error?.message) throw this.#fail('createCluster', operationError(operation));
    } catch (error) {
      if (codeOf(error) !== GrpcCode.ALREADY_EXISTS) throw this.#fail('createCluster', error);
      const raced = await this.#get(spec.name);
      if (!raced) throw this.#fail('createCluster', error);
      return this.#adopt(raced, spec.owner);
    }
    return this.#view(
      { name: spec.name, resourceLabels: labels },
      'provisioning',
      'create operation started',
    );
  }

  async describe(name: string): Promise<ProviderCluster | undefined> {
    const cluster = await this.#get(name);
    if (!cluster) return undefined;
    const view = this.#map(cluster);
    if (view.state === 'ready' && this.#options.mode === 'standard') {
      return { ...view, ...(await gkeResizeView(this.#resizeContext, cluster)) };
    }
    if (view.state !== 'provisioning' && view.state !== 'failed') return view;
    // The cluster says little while it provisions or after it failed; its create operation says why.
    const operation = await this.#createOperation(name);
    if (!operation) return view;
    if (operation.error?.message) {
      const quota = view.quota === true || statusIsQuota(operation.error.code, operation.error.message);
      return {
        ...view,
        state: 'failed',
        message: `create operation failed: ${operation.error.message}`,
        ...(quota && { quota: true }),
      };
    }
    const done = operation.progress?.metrics?.find((m) => m.name === 'PROGRESS')?.intValue;
    const status = enumName(Operation.Status, operation.status);
    return view.state === 'failed'
      ? view
      : { ...view, message: `create operation ${status}${done ? ` ${done}%` : ''}` };
  }

  /**
   * Resize the node pool (setNodePoolSize; see gke-resize.ts). Autopilot has no pool of ours:
   * Google sizes the nodes to the pods, so there is nothing to ask.
   */
  async resize(name: string, nodes: number): Promise<ProviderCluster> {
    checkNodeCount(this.name, nodes);
    const { cluster, view } = checkResizable(this.name, name, await this.#get(name), (c) => this.#map(c));
    if (this.#options.mode === 'autopilot') return view;
    await requestGkeResize(this.#resizeContext, cluster, nodes);
    return resized(this, name);
  }

  get #resizeContext(): GkeResizeContext {
    return {
      client: this.#client,
      parent: this.#parent,
      nodePool: NODE_POOL,
      callOptions: this.#call,
      fail: (action, error, retryable) => this.#fail(action, error, retryable),
    };
  }

  async delete(name: string, owner: string): Promise<void> {
    const cluster = await this.#get(name);
    if (!cluster || enumName(Cluster.Status, cluster.status) === 'STOPPING') return;
    const key = LABEL_KEYS[OWNER_LABEL]!;
    checkDeletable(
      this.name,
      name,
      { key, value: cluster.resourceLabels?.[key], expected: encodeValue(owner) },
      owner,
    );
    try {
      await this.#client.deleteCluster({ name: `${this.#parent}/clusters/${name}` }, this.#call);
    } catch (error) {
      const code = codeOf(error);
      if (code === GrpcCode.NOT_FOUND) return;
      // Another operation (the create) still runs on the cluster: delete again later.
      if (code === GrpcCode.FAILED_PRECONDITION) throw this.#fail('deleteCluster', error, true);
      throw this.#fail('deleteCluster', error);
    }
  }

  async credentials(name: string): Promise<ClusterCredentials> {
    const cluster = await this.#get(name);
    if (!cluster) throw new DriverError(this.name, `cluster ${name} does not exist`);
    if (!cluster.endpoint || !cluster.masterAuth?.clusterCaCertificate) {
      throw new DriverError(this.name, `cluster ${name} has no endpoint yet`, { retryable: true });
    }
    let token: string;
    try {
      token = await this.#tokenSource();
    } catch (error) {
      throw classifyError(this.name, 'get access token', error);
    }
    return {
      endpoint: `https://${cluster.endpoint}`,
      caData: cluster.masterAuth.clusterCaCertificate,
      token,
    };
  }

  async list(owner: string): Promise<ProviderCluster[]> {
    let clusters: GkeCluster[];
    try {
      const [response] = await this.#client.listClusters({ parent: this.#parent }, this.#call);
      clusters = response.clusters ?? [];
    } catch (error) {
      throw this.#fail('listClusters', error);
    }
    const ownerValue = encodeValue(owner);
    return clusters
      .filter((c) => c.resourceLabels?.[LABEL_KEYS[OWNER_LABEL]!] === ownerValue)
      .map((c) => this.#map(c));
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  #clusterSpec(spec: ClusterSpec, labels: Record<string, string>): GkeCluster {
    const o = this.#options;
    const common: GkeCluster = {
      name: spec.name,
      resourceLabels: labels,
      ...(o.kubernetesVersion ? { initialClusterVersion: o.kubernetesVersion } : {}),
      ...(o.network ? { network: o.network } : {}),
      ...(o.subnetwork ? { subnetwork: o.subnetwork } : {}),
    };
    if (o.mode === 'autopilot') return { ...common, autopilot: { enabled: true } };
    return {
      ...common,
      nodePools: [
        {
          name: NODE_POOL,
          initialNodeCount: spec.nodes,
          config: {
            machineType: o.machineType,
            diskSizeGb: o.diskSizeGb,
            // Kubernetes node labels take our keys as they are.
            labels: { [OWNER_LABEL]: spec.owner, [BURST_ID_LABEL]: spec.burstId },
            resourceLabels: labels,
          },
        },
      ],
    };
  }

  async #adopt(cluster: GkeCluster, owner: string): Promise<ProviderCluster> {
    if (cluster.resourceLabels?.[LABEL_KEYS[OWNER_LABEL]!] !== encodeValue(owner)) {
      throw new DriverError(this.name, `cluster ${cluster.name} exists and does not belong to ${owner}`);
    }
    return this.#map(cluster);
  }

  /** The create operation of a cluster: remembered from `create`, else found by listing. */
  async #createOperation(name: string): Promise<GkeOperation | undefined> {
    try {
      const known = this.#operations.get(name);
      if (known) {
        const opName = known.includes('/') ? known : `${this.#parent}/operations/${known}`;
        return (await this.#client.getOperation({ name: opName }, this.#call))[0];
      }
      const [response] = await this.#client.listOperations({ parent: this.#parent }, this.#call);
      return (response.operations ?? [])
        .filter((op) => enumName(Operation.Type, op.operationType) === 'CREATE_CLUSTER')
        .filter((op) => op.targetLink?.endsWith(`/clusters/${name}`))
        .sort((a, b) => (a.startTime ?? '').localeCompare(b.startTime ?? ''))
        .at(-1);
    } catch (error) {
      if (codeOf(error) === GrpcCode.NOT_FOUND) return undefined;
      throw this.#fail('getOperation', error);
    }
  }

  async #get(name: string): Promise<GkeCluster | undefined> {
    try {
      return (await this.#client.getCluster({ name: `${this.#parent}/clusters/${name}` }, this.#call))[0];
    } catch (error) {
      if (codeOf(error) === GrpcCode.NOT_FOUND) return undefined;
      throw this.#fail('getCluster', error);
    }
  }

  #map(cluster: GkeCluster): ProviderCluster {
    const status = enumName(Cluster.Status, cluster.status);
    const why = [
      cluster.statusMessage,
      ...(cluster.conditions ?? []).map((c) => `${conditionCode(c)}: ${c.message ?? ''}`),
    ]
      .filter((s) => s && s.trim() !== '')
      .join('; ');
    switch (status) {
      case 'RUNNING':
      case 'RECONCILING':
        return this.#view(
          cluster,
          cluster.endpoint ? 'ready' : 'provisioning',
          why || `GKE cluster ${status}`,
        );
      case 'DEGRADED':
        return this.#view(cluster, 'ready', `GKE cluster DEGRADED: ${why || 'no detail'}`);
      case 'STOPPING':
        return this.#view(cluster, 'deleting', why || 'GKE cluster STOPPING');
      case 'ERROR': {
        const failed = this.#view(cluster, 'failed', why || 'GKE cluster ERROR');
        return errorIsQuota(cluster) ? { ...failed, quota: true } : failed;
      }
      default:
        return this.#view(cluster, 'provisioning', why || `GKE cluster ${status}`);
    }
  }

  #view(cluster: GkeCluster, state: ProviderCluster['state'], message: string): ProviderCluster {
    return {
      name: cluster.name ?? '',
      state,
      endpoint: cluster.endpoint ? `https://${cluster.endpoint}` : undefined,
      region: this.#options.location,
      labels: decodeLabels(cluster.resourceLabels ?? {}),
      message,
    };
  }

  #fail(action: string, error: unknown, retryable?: boolean): DriverError {
    const message = error instanceof Error ? error.message : String(error);
    const facts = grpcFacts(codeOf(error), message);
    return classifyError(this.name, action, error, retryable === undefined ? facts : { ...facts, retryable });
  }
}

/**
 * An auth client for the REST transport from a bare token source: google-gax calls `fetch` on
 * it for every request, so it adds the bearer token there.
 */
function bearerAuthClient(tokenSource: () => Promise<string>): ClientAuth {
  const headers = async () => new Headers({ authorization: `Bearer ${await tokenSource()}` });
  const client = {
    getRequestHeaders: headers,
    async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
      const merged = new Headers(init.headers);
      for (const [key, value] of await headers()) merged.set(key, value);
      return fetch(url, { method: init.method, body: init.body, signal: init.signal, headers: merged });
    },
  };
  // The SDK types ask for a google-auth-library AuthClient; the REST transport uses only these two methods.
  return client as unknown as ClientAuth;
}
type ClientAuth = NonNullable<
  NonNullable<ConstructorParameters<typeof ClusterManagerClient>[0]>['authClient']
>;
