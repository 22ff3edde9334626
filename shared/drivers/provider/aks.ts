import { ContainerServiceClient, type ErrorDetail, type ManagedCluster } from '@azure/arm-containerservice';
import { DefaultAzureCredential } from '@azure/identity';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DriverError } from '../../errors.ts';
import type { AksOptions } from './aks-options.ts';
import { type AksResizeContext, aksResizeView, getAgentPool, requestAksResize } from './aks-resize.ts';
import { classifyError, type ErrorFacts, isQuotaMessage } from './classify-error.ts';
import {
  BURST_LABEL,
  type ClusterCredentials,
  type ClusterSpec,
  OWNER_LABEL,
  type ProviderCluster,
  type ProviderDriver,
} from './provider.ts';
import { checkNodeCount, checkOwned } from './resize-checks.ts';

/** The credential type the SDK takes (an @azure/core-auth TokenCredential). */
export type AzureCredential = ConstructorParameters<typeof ContainerServiceClient>[0];

/** Injected collaborators. */
export interface AksDeps {
  /** @default DefaultAzureCredential (environment, workload identity, managed identity, CLI) */
  readonly credential?: AzureCredential;
}

/** Azure tag names may not contain `/`, so ours are spelled with a dash. */
const TAG_KEYS: Readonly<Record<string, string>> = {
  [OWNER_LABEL]: 'clusterburst-owner',
  [BURST_LABEL]: 'clusterburst-burst-id',
};
const OWNER_TAG = TAG_KEYS[OWNER_LABEL]!;
/** The one agent pool clusterburst makes per cluster. */
const AGENT_POOL = 'burst';

/**
 * Azure Kubernetes Service: a managed cluster with one system node pool, tagged with owner and
 * burst id. Create and delete start ARM long-running operations and return; `describe` reads
 * provisioningState (and the provisioning error when it failed).
 */
export class AksProvider implements ProviderDriver {
  readonly #options: AksOptions;
  readonly #client: ContainerServiceClient;

  constructor(
    readonly name: string,
    options: AksOptions,
    deps: AksDeps = {},
  ) {
    this.#options = options;
    const { endpoint, caCertificates, subscriptionId } = this.#options;
    this.#client = new ContainerServiceClient(
      deps.credential ?? new DefaultAzureCredential(),
      subscriptionId,
      {
        // The token scope follows the endpoint (`<endpoint>/.default`), as sovereign clouds need.
        ...(endpoint ? { endpoint, $host: endpoint } : {}),
        ...(caCertificates ? { tlsOptions: { ca: caCertificates } } : {}),
        // Our control plane retries on its own schedule; keep each call short.
        retryOptions: { maxRetries: 2 },
      },
    );
  }

  async create(spec: ClusterSpec): Promise<ProviderCluster> {
    const { location, resourceGroup } = this.#options;
    if (spec.region !== location) {
      throw new DriverError(this.name, `region ${spec.region} is not this provider's (${location})`);
    }
    const existing = await this.#get(spec.name);
    if (existing) return this.#adopt(existing, spec.owner);
    const cluster = this.#clusterSpec(spec);
    try {
      // If-None-Match: * makes the PUT a create only: a cluster of the same name is never modified.
      await this.#client.managedClusters.beginCreateOrUpdate(resourceGroup, spec.name, cluster, {
        ifNoneMatch: '*',
      });
    } catch (error) {
      if (statusOf(error) !== 412) throw this.#fail('create managed cluster', error);
      const raced = await this.#get(spec.name);
      if (!raced) throw this.#fail('create managed cluster', error, { retryable: true });
      return this.#adopt(raced, spec.owner);
    }
    return this.#view({ ...cluster, name: spec.name }, 'provisioning', 'create operation started');
  }

  async describe(name: string): Promise<ProviderCluster | undefined> {
    const cluster = await this.#get(name);
    const view = cluster && this.#map(cluster);
    if (view?.state !== 'ready') return view;
    const pool = await getAgentPool(this.#resizeContext, name);
    return pool ? { ...view, ...aksResizeView(pool) } : view;
  }

  /** Scale the burst's agent pool (System mode: 1 to 1000 nodes); see aks-resize.ts. */
  async resize(name: string, nodes: number): Promise<ProviderCluster> {
    checkNodeCount(this.name, nodes, 1, 1000);
    const cluster = await this.#get(name);
    if (!cluster) throw new DriverError(this.name, `cluster ${name} does not exist`);
    const view = this.#map(cluster);
    checkOwned(this.name, view);
    const pool = view.state === 'ready' ? await getAgentPool(this.#resizeContext, name) : undefined;
    if (!pool) {
      throw new DriverError(this.name, `cluster ${name} is ${view.state}; resize waits for its agent pool`, {
        retryable: view.state === 'provisioning' || view.state === 'ready',
      });
    }
    await requestAksResize(this.#resizeContext, name, pool, nodes);
    const after = await this.describe(name);
    if (!after) throw new DriverError(this.name, `cluster ${name} vanished while resizing`);
    return after;
  }

  get #resizeContext(): AksResizeContext {
    return {
      client: this.#client,
      resourceGroup: this.#options.resourceGroup,
      pool: AGENT_POOL,
      fail: (action, error) => this.#fail(action, error),
    };
  }

  async delete(name: string, owner: string): Promise<void> {
    const cluster = await this.#get(name);
    if (!cluster || cluster.provisioningState === 'Deleting') return;
    if (!cluster.tags?.[OWNER_TAG]) {
      throw new DriverError(this.name, `refusing to delete ${name}: it has no ${OWNER_TAG} tag`);
    }
    if (cluster.tags[OWNER_TAG] !== owner) {
      throw new DriverError(
        this.name,
        `refusing to delete ${name}: it belongs to ${cluster.tags[OWNER_TAG]}, not ${owner}`,
      );
    }
    try {
      await this.#client.managedClusters.beginDelete(this.#options.resourceGroup, name);
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw this.#fail('delete managed cluster', error);
    }
  }

  async credentials(name: string): Promise<ClusterCredentials> {
    let kubeconfig: string | undefined;
    try {
      const result = await this.#client.managedClusters.listClusterAdminCredentials(
        this.#options.resourceGroup,
        name,
      );
      const value = result.kubeconfigs?.[0]?.value;
      kubeconfig = value ? Buffer.from(value).toString('utf8') : undefined;
    } catch (error) {
      if (statusOf(error) === 404) throw new DriverError(this.name, `cluster ${name} does not exist`);
      throw this.#fail('list cluster admin credentials', error);
    }
    if (!kubeconfig)
      throw new DriverError(this.name, `cluster ${name} has no credentials yet`, { retryable: true });
    return { ...fromKubeconfig(this.name, kubeconfig), kubeconfig };
  }

  async list(owner: string): Promise<ProviderCluster[]> {
    const found: ProviderCluster[] = [];
    try {
      for await (const cluster of this.#client.managedClusters.listByResourceGroup(
        this.#options.resourceGroup,
      )) {
        if (cluster.tags?.[OWNER_TAG] === owner) found.push(this.#map(cluster));
      }
    } catch (error) {
      throw this.#fail('list managed clusters', error);
    }
    return found;
  }

  #clusterSpec(spec: ClusterSpec): ManagedCluster {
    const o = this.#options;
    const tags = encodeTags({ ...spec.labels, [OWNER_LABEL]: spec.owner, [BURST_LABEL]: spec.burstId });
    return {
      location: o.location,
      tags,
      identity: { type: 'SystemAssigned' },
      dnsPrefix: spec.name,
      ...(o.kubernetesVersion ? { kubernetesVersion: o.kubernetesVersion } : {}),
      agentPoolProfiles: [
        {
          name: 'burst',
          mode: 'System',
          count: spec.nodes,
          vmSize: o.vmSize,
          osDiskSizeGB: o.osDiskSizeGB,
          osType: 'Linux',
          type: 'VirtualMachineScaleSets',
          // Kubernetes node labels take our keys as they are.
          nodeLabels: { [OWNER_LABEL]: spec.owner, [BURST_LABEL]: spec.burstId },
          tags,
        },
      ],
    };
  }

  async #adopt(cluster: ManagedCluster, owner: string): Promise<ProviderCluster> {
    if (cluster.tags?.[OWNER_TAG] !== owner) {
      throw new DriverError(this.name, `cluster ${cluster.name} exists and does not belong to ${owner}`);
    }
    return this.#map(cluster);
  }

  async #get(name: string): Promise<ManagedCluster | undefined> {
    try {
      return await this.#client.managedClusters.get(this.#options.resourceGroup, name);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.#fail('get managed cluster', error);
    }
  }

  #map(cluster: ManagedCluster): ProviderCluster {
    const state = cluster.provisioningState ?? 'Unknown';
    const error = cluster.status?.provisioningError;
    const why = error ? `${error.code ?? 'Error'}: ${error.message ?? ''}` : undefined;
    switch (state) {
      case 'Succeeded':
      case 'Updating':
      case 'Upgrading':
      case 'Scaling':
        return this.#view(cluster, cluster.fqdn ? 'ready' : 'provisioning', `AKS cluster ${state}`);
      case 'Failed':
      case 'Canceled': {
        const failed = this.#view(cluster, 'failed', why ?? `AKS cluster ${state}`);
        return failedForQuota(cluster) ? { ...failed, quota: true } : failed;
      }
      case 'Deleting':
        return this.#view(cluster, 'deleting', 'AKS cluster Deleting');
      default:
        return this.#view(cluster, 'provisioning', `AKS cluster ${state}`);
    }
  }

  #view(cluster: ManagedCluster, state: ProviderCluster['state'], message: string): ProviderCluster {
    return {
      name: cluster.name ?? '',
      state,
      endpoint: cluster.fqdn ? `https://${cluster.fqdn}:443` : undefined,
      region: cluster.location ?? this.#options.location,
      labels: decodeTags(cluster.tags ?? {}),
      message,
    };
  }

  #fail(action: string, error: unknown, override: ErrorFacts = {}): DriverError {
    return classifyError(this.name, action, error, { ...armFacts(error), ...override });
  }
}

/** HTTP status of a RestError (core-rest-pipeline's error carries it as `statusCode`). */
function statusOf(error: unknown): number | undefined {
  const status = error instanceof Error ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** ARM error codes that mean a quota, limit or capacity shortage (besides the generic words). */
const ARM_QUOTA_CODES = new Set([
  'QuotaExceeded',
  'OperationNotAllowed',
  'ErrCode_InsufficientVCPUQuota',
  'InsufficientVCPUQuota',
  'SkuNotAvailable',
  'AllocationFailed',
  'ZonalAllocationFailed',
  'OverconstrainedAllocationRequest',
]);

function armFacts(error: unknown): ErrorFacts {
  const status = statusOf(error);
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  const facts = { status, code: typeof code === 'string' ? code : undefined };
  if (status === 429) return { ...facts, throttled: true, quota: false };
  // OperationNotAllowed is also ARM's word for other refusals; only its quota wording counts.
  if (facts.code === 'OperationNotAllowed') return facts;
  return facts.code && ARM_QUOTA_CODES.has(facts.code) ? { ...facts, quota: true, retryable: false } : facts;
}

/**
 * Whether a failed cluster ran short of quota or capacity, by its provisioning error or a node
 * pool's, down their nested details (AKS wraps the VM scale set's `OperationNotAllowed` or
 * `AllocationFailed` in its own code): a quota code, or quota words in any message.
 */
function failedForQuota(cluster: ManagedCluster): boolean {
  const roots = [
    cluster.status?.provisioningError,
    ...(cluster.agentPoolProfiles ?? []).map((p) => p.status?.provisioningError),
  ];
  const pending = roots.filter((e): e is ErrorDetail => e !== undefined);
  // Bounded walk: details nest a few levels deep at most.
  for (let seen = 0; pending.length > 0 && seen < 50; seen++) {
    const error = pending.shift()!;
    // OperationNotAllowed is also ARM's word for other refusals; only its quota wording counts.
    const byCode =
      error.code !== undefined && error.code !== 'OperationNotAllowed' && ARM_QUOTA_CODES.has(error.code);
    if (byCode || isQuotaMessage(error.message)) return true;
    pending.push(...(error.details ?? []));
  }
  return false;
}

function encodeTags(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels).map(([k, v]) => [
      TAG_KEYS[k] ?? k.replace(/[<>%&\\?/]/g, '_').slice(0, 512),
      v.slice(0, 256),
    ]),
  );
}

function decodeTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  const back = Object.fromEntries(Object.entries(TAG_KEYS).map(([ours, azure]) => [azure, ours]));
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [back[k] ?? k, v]));
}

const KubeconfigSchema = z.object({
  clusters: z.array(
    z.object({
      cluster: z.object({ server: z.string(), 'certificate-authority-data': z.string().optional() }),
    }),
  ),
  users: z.array(
    z.object({
      user: z.object({
        token: z.string().optional(),
        'client-certificate-data': z.string().optional(),
        'client-key-data': z.string().optional(),
      }),
    }),
  ),
});

/** The pieces of an admin kubeconfig (first cluster, first user). */
function fromKubeconfig(driver: string, text: string): Omit<ClusterCredentials, 'kubeconfig'> {
  const parsed = KubeconfigSchema.safeParse(parseYaml(text));
  const cluster = parsed.success ? parsed.data.clusters[0]?.cluster : undefined;
  // Never echo the kubeconfig: it holds the admin key.
  if (!parsed.success || !cluster) throw new DriverError(driver, 'admin kubeconfig has no cluster entry');
  const user = parsed.data.users[0]?.user ?? {};
  return {
    endpoint: cluster.server,
    caData: cluster['certificate-authority-data'],
    token: user.token,
    clientCertData: user['client-certificate-data'],
    clientKeyData: user['client-key-data'],
  };
}
