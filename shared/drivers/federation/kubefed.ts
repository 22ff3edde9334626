import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { z } from 'zod';
import { OWNER_LABEL } from '../../domain/names.ts';
import type { ServiceLabels, ServiceOnMember, ServiceSpec } from '../../domain/services.ts';
import { DriverError } from '../../errors.ts';
import {
  createIfAbsent,
  deleteIfPresent,
  ifPresent,
  kubeCall,
  MERGE_PATCH,
  readIfPresent,
} from '../kube/calls.ts';
import { ConditionsSchema } from '../kube/conditions.ts';
import { kubeConfigFromCredentials } from '../kube/credentials.ts';
import { loadKubeConfig } from '../kube/kubeconfig-source.ts';
import { leftoverSecretMembers } from '../kube/leftover-secrets.ts';
import { grantMemberAccess, revokeMemberAccess } from '../kube/member-access.ts';
import { ownedBy, refuseForeign } from '../kube/owned.ts';
import { templateLabels } from '../kube/service-objects.ts';
import { ensureTokenSecret, kubeConfigFromTokenSecret } from '../kube/token-secret.ts';

import type { FederationDriver, MemberSpec, MemberStatus } from './federation.ts';
import type { KubefedOptions } from './kubefed-options.ts';
import { KubefedPlacement } from './kubefed-placement.ts';

/** Label set on cordon (informational: see the class comment). */
export const CORDONED_LABEL = 'clusterburst.io/cordoned';
/** Label set on evict: placements should exclude it (`clusterburst.io/burst=true,!clusterburst.io/evicted`). */
export const EVICTED_LABEL = 'clusterburst.io/evicted';

const DRIVER = 'kubefed';
const KFC = { group: 'core.kubefed.io', version: 'v1beta1', plural: 'kubefedclusters' } as const;
const RULES = [
  { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
  { nonResourceURLs: ['/metrics'], verbs: ['get'] },
];

const KubeFedClusterSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    labels: z.record(z.string(), z.string()).default({}),
    deletionTimestamp: z.string().optional(),
    finalizers: z.array(z.string()).default([]),
  }),
  status: z
    .looseObject({
      conditions: ConditionsSchema,
    })
    .default({ conditions: [] }),
});
type KubeFedCluster = z.output<typeof KubeFedClusterSchema>;

/**
 * KubeFed (legacy, archived upstream in 2023, still run by some sites), doing what `kubefedctl
 * join` does: in the member, namespace, service account `<cluster>-<host>` with an explicit token
 * Secret and ClusterRole/binding `kubefed-controller-manager:<sa>`; on the host, the token Secret
 * `<cluster>` (key `token`) and the `KubeFedCluster` {apiEndpoint, caBundle, secretRef}. Ready is
 * its Ready condition (Offline and ConfigMalformed explain why not).
 *
 * KubeFed has no taints and its placement is declarative: a federated resource whose placement
 * stops selecting a cluster is removed from it at once. So cordon only records the label
 * `clusterburst.io/cordoned=true` (excluding it in placements would evict while traffic still
 * flows), and evict sets `clusterburst.io/evicted=true`, which placements should exclude
 * (`clusterSelector: clusterburst.io/burst=true,!clusterburst.io/evicted`) so workloads leave
 * after the traffic has drained. Leave deletes the KubeFedCluster, then revokes the member
 * side with the federation's own token (see grantMemberAccess) and deletes the Secret; `force`
 * skips the member side, for a member that is gone. `list` also reports, as members, our
 * labelled Secrets left without a KubeFedCluster, so reconcile's forced leave removes them.
 * @example
 * const federation = new KubefedFederation({ kubeconfigPath: '/etc/clusterburst/host.kubeconfig' });
 */
export class KubefedFederation implements FederationDriver {
  readonly name = 'kubefed';
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #options: KubefedOptions;
  readonly #kc: KubeConfig;
  readonly #placement: KubefedPlacement;

  /** The installation: members and Secrets not labelled with it are never touched. */
  readonly #owner: string | undefined;

  constructor(options: KubefedOptions, kubeConfig?: KubeConfig, owner?: string) {
    this.#owner = owner;
    this.#options = options;
    const kc = kubeConfig ?? loadKubeConfig(this.#options, 'federation.options');
    this.#kc = kc;
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#placement = new KubefedPlacement(this.#custom, options);
  }

  /** Undo `cordon`: the informational label goes (KubeFed has no taints; see the class comment). */
  async uncordon(name: string): Promise<void> {
    await this.#label(name, CORDONED_LABEL, null);
  }

  async place(name: string, services: readonly ServiceSpec[]): Promise<void> {
    await this.#placement.place(name, await this.#ownerOf(name), services);
  }

  async serviceStatus(name: string, services: readonly ServiceSpec[]): Promise<ServiceOnMember[]> {
    return this.#placement.serviceStatus(name, services);
  }

  async unplace(name: string, services: readonly ServiceSpec[]): Promise<{ done: boolean; why: string }> {
    // A member gone (or never joined) may still be named by our objects: take it off them.
    // One read: a member leaving between two reads would otherwise fail every retried teardown.
    const cluster = await this.#get(name);
    if (cluster) refuseForeign(DRIVER, `KubeFedCluster ${name}`, cluster.metadata.labels, this.#owner);
    const owner = this.#owner ?? cluster?.metadata.labels[OWNER_LABEL];
    if (!owner) return { done: true, why: `${name} is not a member: nothing is placed on it` };
    return this.#placement.unplace(name, owner, services);
  }

  /**
   * Labels of the namespaces on the host cluster and of each workload's FederatedDeployment
   * (its own labels and its template's: either may carry the restricted label).
   */
  async labels(services: readonly ServiceSpec[]): Promise<ServiceLabels[]> {
    return templateLabels(DRIVER, this.#kc, services, (w) => this.#placement.workloadLabels(w));
  }

  /** The installation placing on member `name` (ours, or the member's owner label); others refused. */
  async #ownerOf(name: string): Promise<string> {
    const cluster = await this.#get(name);
    if (!cluster) throw new DriverError(DRIVER, `KubeFedCluster ${name} is not a member: join it first`);
    refuseForeign(DRIVER, `KubeFedCluster ${name}`, cluster.metadata.labels, this.#owner);
    const owner = this.#owner ?? cluster.metadata.labels[OWNER_LABEL];
    if (!owner)
      throw new DriverError(
        DRIVER,
        `refusing to place on KubeFedCluster ${name}: clusterburst did not create it`,
      );
    return owner;
  }

  async join(member: MemberSpec): Promise<void> {
    const existing = await this.#get(member.name);
    // Adopt only our own member: a KubeFedCluster of that name from anyone else is refused.
    if (existing)
      refuseForeign(DRIVER, `KubeFedCluster ${member.name}`, existing.metadata.labels, member.owner);
    if (existing?.metadata.deletionTimestamp)
      throw new DriverError(DRIVER, `KubeFedCluster ${member.name} is still leaving`, { retryable: true });
    if (existing) return; // created last, so everything before it is there
    const labels = { ...member.labels, [OWNER_LABEL]: member.owner };
    const sa = this.#serviceAccount(member.name);
    const tokens = await grantMemberAccess(
      DRIVER,
      kubeConfigFromCredentials(member.credentials, member.name),
      {
        namespace: this.#options.memberNamespace,
        serviceAccounts: [sa],
        clusterRole: `kubefed-controller-manager:${sa}`,
        rules: RULES,
        labels,
        tokenTimeoutMs: this.#options.tokenTimeoutSeconds * 1000,
      },
    );
    const { token, caCrt } = tokens[sa]!;
    const namespace = this.#options.federationNamespace;
    const endpoint = member.credentials.endpoint;
    await ensureTokenSecret(DRIVER, this.#core, {
      namespace,
      name: member.name,
      labels,
      endpoint,
      data: { token, caBundle: caCrt },
    });
    await createIfAbsent(DRIVER, `KubeFedCluster ${member.name}`, () =>
      this.#custom.createNamespacedCustomObject({
        ...KFC,
        namespace,
        body: {
          apiVersion: `${KFC.group}/${KFC.version}`,
          kind: 'KubeFedCluster',
          metadata: { name: member.name, namespace, labels },
          spec: { apiEndpoint: endpoint, caBundle: caCrt, secretRef: { name: member.name } },
        },
      }),
    );
  }

  async status(name: string): Promise<MemberStatus | undefined> {
    const cluster = await this.#get(name);
    return cluster && toStatus(cluster);
  }

  async cordon(name: string): Promise<void> {
    await this.#label(name, CORDONED_LABEL);
  }

  async evict(name: string): Promise<void> {
    await this.#label(name, EVICTED_LABEL);
  }

  async leave(name: string, options: { readonly force?: boolean } = {}): Promise<'left' | 'pending'> {
    const namespace = this.#options.federationNamespace;
    const cluster = await this.#get(name);
    if (cluster) refuseForeign(DRIVER, `KubeFedCluster ${name}`, cluster.metadata.labels, this.#owner);
    if (cluster?.metadata.deletionTimestamp) {
      const waited = (Date.now() - Date.parse(cluster.metadata.deletionTimestamp)) / 1000;
      if (waited <= this.#options.leaveTimeoutSeconds) return 'pending';
      throw new DriverError(
        DRIVER,
        `KubeFedCluster ${name} still deleting after ${Math.round(waited)}s, held by finalizers ${cluster.metadata.finalizers.join(', ')}`,
      );
    }
    if (cluster) {
      const answer = await deleteIfPresent(DRIVER, `KubeFedCluster ${name}`, () =>
        this.#custom.deleteNamespacedCustomObject({ ...KFC, namespace, name }),
      );
      const kept = KubeFedClusterSchema.safeParse(answer);
      if (kept.success && kept.data.metadata.finalizers.length > 0) return 'pending';
    }
    const secret: V1Secret | undefined = await readIfPresent(DRIVER, `Secret ${namespace}/${name}`, () =>
      this.#core.readNamespacedSecret({ namespace, name }),
    );
    // No Secret: never joined, or revoked before a crash (the Secret is deleted last). Named like
    // ours but not labelled ours: someone else's, left alone.
    if (!secret || !ownedBy(secret.metadata?.labels, this.#owner)) return 'left';
    if (!options.force) {
      const kc = kubeConfigFromTokenSecret(secret, 'caBundle');
      if (kc)
        await revokeMemberAccess(DRIVER, kc, `kubefed-controller-manager:${this.#serviceAccount(name)}`);
    }
    await deleteIfPresent(DRIVER, `Secret ${namespace}/${name}`, () =>
      this.#core.deleteNamespacedSecret({ namespace, name }),
    );
    return 'left';
  }

  async list(owner: string): Promise<MemberStatus[]> {
    const list = (await kubeCall(DRIVER, 'listing KubeFedClusters', () =>
      this.#custom.listNamespacedCustomObject({
        ...KFC,
        namespace: this.#options.federationNamespace,
        labelSelector: `${OWNER_LABEL}=${owner}`,
      }),
    )) as { items?: unknown[] };
    const members = (list.items ?? []).flatMap((item) => {
      const parsed = KubeFedClusterSchema.safeParse(item);
      return parsed.success ? [toStatus(parsed.data)] : [];
    });
    // A Secret left by a leave that ended while the KubeFedCluster was still being deleted.
    const leftovers = await leftoverSecretMembers(DRIVER, this.#core, {
      namespace: this.#options.federationNamespace,
      owner,
      memberOf: (secret) => secret,
      members: new Set(members.map((m) => m.name)),
    });
    return [...members, ...leftovers];
  }

  #serviceAccount(cluster: string): string {
    return `${cluster}-${this.#options.hostClusterName}`;
  }

  async #get(name: string): Promise<KubeFedCluster | undefined> {
    const namespace = this.#options.federationNamespace;
    const object = await readIfPresent(DRIVER, `KubeFedCluster ${name}`, () =>
      this.#custom.getNamespacedCustomObject({ ...KFC, namespace, name }),
    );
    if (object === undefined) return undefined;
    const parsed = KubeFedClusterSchema.safeParse(object);
    if (!parsed.success) throw new DriverError(DRIVER, `KubeFedCluster ${name} is not a KubeFedCluster`);
    return parsed.data;
  }

  /** One merge patch (labels merge key by key; null removes); a member that never joined has nothing to label. */
  async #label(name: string, label: string, value: 'true' | null = 'true'): Promise<void> {
    const namespace = this.#options.federationNamespace;
    const cluster = await this.#get(name);
    if (!cluster) return;
    refuseForeign(DRIVER, `KubeFedCluster ${name}`, cluster.metadata.labels, this.#owner);
    if ((cluster.metadata.labels[label] ?? null) === value) return;
    await ifPresent(DRIVER, `labelling KubeFedCluster ${name} ${label}`, () =>
      this.#custom.patchNamespacedCustomObject(
        { ...KFC, namespace, name, body: { metadata: { labels: { [label]: value } } } },
        MERGE_PATCH,
      ),
    );
  }
}

function toStatus(cluster: KubeFedCluster): MemberStatus {
  const condition = (type: string) =>
    cluster.status.conditions.find((c) => c.type === type && c.status === 'True');
  const ready = condition('Ready');
  const why = ready ?? condition('Offline') ?? condition('ConfigMalformed') ?? cluster.status.conditions[0];
  const leaving = cluster.metadata.deletionTimestamp !== undefined;
  const said = why
    ? `${why.type}${why.reason ? ` (${why.reason})` : ''}${why.message ? `: ${why.message}` : ''}`
    : 'no conditions yet';
  return {
    name: cluster.metadata.name,
    ready: ready !== undefined && !leaving,
    cordoned: cluster.metadata.labels[CORDONED_LABEL] === 'true',
    evicted: cluster.metadata.labels[EVICTED_LABEL] === 'true',
    labels: cluster.metadata.labels,
    message: leaving ? `leaving (${said})` : said,
  };
}
