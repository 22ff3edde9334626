import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import { createIfAbsent, deleteIfPresent, kubeCall, readIfPresent } from '../kube/calls.ts';
import { ConditionsSchema } from '../kube/conditions.ts';
import { credentialsFromKubeconfig } from '../kube/credentials.ts';
import { loadKubeConfig } from '../kube/kubeconfig-source.ts';
import type { ClusterApiOptions } from './clusterapi-options.ts';
import { type CapiResizeContext, capiResizeView, requestCapiResize } from './clusterapi-resize.ts';
import type { ClusterCredentials, ClusterSpec, ProviderCluster, ProviderDriver } from './provider.ts';
import { checkNodeCount, checkOwned, resized } from './provider-checks.ts';

/** Annotation carrying the burst's region (Cluster API has no region of its own). */
export const REGION_ANNOTATION = 'clusterburst.io/region';

const CAPI = { group: 'cluster.x-k8s.io', version: 'v1beta2', plural: 'clusters' } as const;

const CapiClusterSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    labels: z.record(z.string(), z.string()).default({}),
    annotations: z.record(z.string(), z.string()).default({}),
    deletionTimestamp: z.string().optional(),
    uid: z.string().optional(),
  }),
  spec: z
    .looseObject({
      controlPlaneEndpoint: z
        .looseObject({ host: z.string().optional(), port: z.number().optional() })
        .optional(),
    })
    .default({}),
  status: z
    .looseObject({
      phase: z.string().optional(),
      conditions: ConditionsSchema,
    })
    .default({ conditions: [] }),
});
type CapiCluster = z.output<typeof CapiClusterSchema>;

/**
 * Clusters from a Cluster API management cluster, as `Cluster` objects (v1beta2) with a
 * ClusterClass topology: class, Kubernetes version, control-plane replicas, one worker
 * MachineDeployment of `nodes` replicas, and the configured variables. Phases map to the
 * lifecycle: Pending/Provisioning -> provisioning, Provisioned with `Available` True and the
 * `<cluster>-kubeconfig` Secret present -> ready (credentials exist), Deleting (or a
 * deletionTimestamp) -> deleting, Failed -> failed. Delete is a DELETE; the Cluster stays,
 * deleting, while its finalizer tears the infrastructure down, until describe finds a 404.
 * @example
 * const capi = new ClusterApiProvider('capi', { kubeconfigPath: '/etc/capi/mgmt.kubeconfig',
 *   classRef: { name: 'aws-standard' }, kubernetesVersion: 'v1.33.1', regionVariable: 'region' });
 */
export class ClusterApiProvider implements ProviderDriver {
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #options: ClusterApiOptions;

  constructor(
    readonly name: string,
    options: ClusterApiOptions,
    kubeConfig?: KubeConfig,
  ) {
    this.#options = options;
    const kc = kubeConfig ?? loadKubeConfig(this.#options, `providers.${name}.options`);
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#core = kc.makeApiClient(CoreV1Api);
  }

  async create(spec: ClusterSpec): Promise<ProviderCluster> {
    const o = this.#options;
    const variables = { ...o.variables, ...(o.regionVariable ? { [o.regionVariable]: spec.region } : {}) };
    const created = await createIfAbsent(this.name, `Cluster ${spec.name}`, () =>
      this.#custom.createNamespacedCustomObject({
        ...CAPI,
        namespace: o.namespace,
        body: {
          apiVersion: `${CAPI.group}/${CAPI.version}`,
          kind: 'Cluster',
          metadata: {
            name: spec.name,
            namespace: o.namespace,
            labels: { ...spec.labels, [OWNER_LABEL]: spec.owner, [BURST_ID_LABEL]: spec.burstId },
            annotations: { [REGION_ANNOTATION]: spec.region },
          },
          spec: {
            topology: {
              classRef: { name: o.classRef.name, namespace: o.classRef.namespace ?? o.namespace },
              version: o.kubernetesVersion,
              controlPlane: { replicas: o.controlPlaneReplicas },
              workers: {
                machineDeployments: [
                  { class: o.workerClass, name: o.machineDeploymentName, replicas: spec.nodes },
                ],
              },
              variables: Object.entries(variables).map(([name, value]) => ({ name, value })),
            },
          },
        },
      }),
    );
    const cluster = created ? this.#parse(created) : await this.#get(spec.name);
    if (!cluster)
      throw new DriverError(this.name, `Cluster ${spec.name} existed and vanished while creating it`, {
        retryable: true,
      });
    // AlreadyExists: ours from an earlier attempt, or someone else's that must not be adopted.
    if (!created) assertOwner(this.name, cluster, spec.owner, 'adopt');
    return toProviderCluster(cluster);
  }

  async describe(name: string): Promise<ProviderCluster | undefined> {
    const cluster = await this.#get(name);
    if (!cluster) return undefined;
    const mapped = toProviderCluster(cluster);
    if (mapped.state !== 'ready') return mapped;
    // Usable means reachable with credentials: the endpoint is the kubeconfig's server.
    const kubeconfig = await this.#kubeconfig(name);
    if (!kubeconfig)
      return {
        ...mapped,
        state: 'provisioning',
        message: `Provisioned; waiting for Secret ${name}-kubeconfig`,
      };
    return {
      ...mapped,
      endpoint: credentialsFromKubeconfig(this.name, kubeconfig).endpoint,
      ...(await capiResizeView(this.#resizeContext, name, cluster)),
    };
  }

  /** Set the worker topology's replicas; see clusterapi-resize.ts. */
  async resize(name: string, nodes: number): Promise<ProviderCluster> {
    checkNodeCount(this.name, nodes);
    const cluster = await this.#get(name);
    if (!cluster) throw new DriverError(this.name, `Cluster ${name} does not exist`);
    const view = toProviderCluster(cluster);
    checkOwned(this.name, view);
    const state = view.state;
    if (state === 'deleting' || state === 'failed') {
      throw new DriverError(this.name, `Cluster ${name} is ${state}; it cannot be resized`);
    }
    await requestCapiResize(this.#resizeContext, name, cluster, nodes);
    return resized(this, name);
  }

  get #resizeContext(): CapiResizeContext {
    return {
      driver: this.name,
      custom: this.#custom,
      namespace: this.#options.namespace,
      machineDeployment: this.#options.machineDeploymentName,
    };
  }

  async delete(name: string, owner: string): Promise<void> {
    const namespace = this.#options.namespace;
    const cluster = await this.#get(name);
    if (!cluster || cluster.metadata.deletionTimestamp) return;
    assertOwner(this.name, cluster, owner, 'delete');
    // The uid precondition: a same-named Cluster someone made after our read is not deleted.
    const preconditions = cluster.metadata.uid ? { uid: cluster.metadata.uid } : undefined;
    await deleteIfPresent(this.name, `Cluster ${name}`, () =>
      this.#custom.deleteNamespacedCustomObject({
        ...CAPI,
        namespace,
        name,
        ...(preconditions && { body: { preconditions } }),
      }),
    );
  }

  async credentials(name: string): Promise<ClusterCredentials> {
    const kubeconfig = await this.#kubeconfig(name);
    if (!kubeconfig)
      throw new DriverError(this.name, `Secret ${name}-kubeconfig (key value) is not there yet`, {
        retryable: true,
      });
    return credentialsFromKubeconfig(this.name, kubeconfig);
  }

  async list(owner: string): Promise<ProviderCluster[]> {
    const list = (await kubeCall(this.name, 'listing Clusters', () =>
      this.#custom.listNamespacedCustomObject({
        ...CAPI,
        namespace: this.#options.namespace,
        labelSelector: `${OWNER_LABEL}=${owner}`,
      }),
    )) as { items?: unknown[] };
    return (list.items ?? []).flatMap((item) => {
      const parsed = CapiClusterSchema.safeParse(item);
      return parsed.success ? [toProviderCluster(parsed.data)] : [];
    });
  }

  /** The kubeconfig text Cluster API wrote for the cluster, if it has yet. */
  async #kubeconfig(name: string): Promise<string | undefined> {
    const namespace = this.#options.namespace;
    const secret = await readIfPresent(this.name, `Secret ${name}-kubeconfig`, () =>
      this.#core.readNamespacedSecret({ namespace, name: `${name}-kubeconfig` }),
    );
    const value = secret?.data?.value;
    return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
  }

  async #get(name: string): Promise<CapiCluster | undefined> {
    const namespace = this.#options.namespace;
    const object = await readIfPresent(this.name, `Cluster ${name}`, () =>
      this.#custom.getNamespacedCustomObject({ ...CAPI, namespace, name }),
    );
    return object === undefined ? undefined : this.#parse(object);
  }

  #parse(object: unknown): CapiCluster {
    const parsed = CapiClusterSchema.safeParse(object);
    if (!parsed.success) throw new DriverError(this.name, 'the management cluster answered with no Cluster');
    return parsed.data;
  }
}

/** Refuses (fatal) to adopt or delete a Cluster whose owner label is not `owner`. */
function assertOwner(driver: string, cluster: CapiCluster, owner: string, action: 'adopt' | 'delete'): void {
  const tagged = cluster.metadata.labels[OWNER_LABEL];
  if (tagged === owner) return;
  const whose = tagged ? `it belongs to ${tagged}` : `it has no ${OWNER_LABEL} label`;
  throw new DriverError(
    driver,
    `refusing to ${action} Cluster ${cluster.metadata.name}: ${whose}, not ${owner}'s`,
  );
}

/** The lifecycle's view of a Cluster (endpoint from controlPlaneEndpoint; describe refines it). */
function toProviderCluster(cluster: CapiCluster): ProviderCluster {
  const phase = cluster.status.phase ?? 'Pending';
  const available = cluster.status.conditions.find((c) => c.type === 'Available');
  const state: ProviderCluster['state'] =
    cluster.metadata.deletionTimestamp || phase === 'Deleting'
      ? 'deleting'
      : phase === 'Failed'
        ? 'failed'
        : phase === 'Provisioned' && available?.status === 'True'
          ? 'ready'
          : 'provisioning';
  const { host, port } = cluster.spec.controlPlaneEndpoint ?? {};
  const why = available && [available.reason, available.message].filter(Boolean).join(': ');
  return {
    name: cluster.metadata.name,
    state,
    ...(host ? { endpoint: `https://${host}:${port ?? 443}` } : {}),
    ...(cluster.metadata.annotations[REGION_ANNOTATION]
      ? { region: cluster.metadata.annotations[REGION_ANNOTATION] }
      : {}),
    labels: cluster.metadata.labels,
    message: why ? `${phase}; Available ${available.status} (${why})` : phase,
  };
}
