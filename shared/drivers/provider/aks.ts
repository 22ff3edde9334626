import { ContainerServiceClient, type ManagedCluster } from '@azure/arm-containerservice';
import { DefaultAzureCredential } from '@azure/identity';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import { classifyError, type ErrorFacts } from '../cloud/classify-error.ts';
import { credentialsFromKubeconfig } from '../kube/credentials.ts';
import { armFacts, failedForQuota, statusOf } from './aks-errors.ts';
import type { AksOptions } from './aks-options.ts';
import { type AksResizeContext, aksResizeView, getAgentPool, requestAksResize } from './aks-resize.ts';
import type { ClusterCredentials, ClusterSpec, ProviderCluster, ProviderDriver } from './provider.ts';
import { checkDeletable, checkNodeCount, checkOwned, checkRegion, resized } from './provider-checks.ts';

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
  [BURST_ID_LABEL]: 'clusterburst-burst-id',
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
    checkRegion(this.name, spec.region, location);
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
    return resized(this, name);
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
    checkDeletable(this.name, name, { key: OWNER_TAG, value: cluster.tags?.[OWNER_TAG], kind: 'tag' }, owner);
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
    return credentialsFromKubeconfig(this.name, kubeconfig);
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
    const tags = encodeTags({ ...spec.labels, [OWNER_LABEL]: spec.owner, [BURST_ID_LABEL]: spec.burstId });
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
          nodeLabels: { [OWNER_LABEL]: spec.owner, [BURST_ID_LABEL]: spec.burstId },
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
