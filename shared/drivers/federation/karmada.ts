import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { z } from 'zod';
import { OWNER_LABEL } from '../../domain/names.ts';
import type { ServiceLabels, ServiceOnMember, ServiceSpec } from '../../domain/services.ts';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import { createIfAbsent, deleteIfPresent, kubeCall, MERGE_PATCH, readIfPresent } from '../kube/calls.ts';
import { ConditionsSchema } from '../kube/conditions.ts';
import { kubeConfigFromCredentials } from '../kube/credentials.ts';
import { driverError, isKubeFailure } from '../kube/errors.ts';
import { loadKubeConfig } from '../kube/kubeconfig-source.ts';
import { leftoverSecretMembers } from '../kube/leftover-secrets.ts';
import { revokeMemberAccess } from '../kube/member-access.ts';
import { ownedBy, refuseForeign } from '../kube/owned.ts';
import { templateLabels } from '../kube/service-objects.ts';
import { ensureTokenSecret, kubeConfigFromTokenSecret } from '../kube/token-secret.ts';

import type { FederationDriver, MemberSpec, MemberStatus } from './federation.ts';
import { joinKarmadaMember, karmadaMemberNames } from './karmada-member.ts';
import type { KarmadaOptions } from './karmada-options.ts';
import { KarmadaPlacement } from './karmada-placement.ts';

/** Taint key of a cordoned (NoSchedule) or evicted (NoExecute) burst member. */
export const DRAINING_TAINT = 'clusterburst.io/draining';

const DRIVER = 'karmada';
const CLUSTER = { group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters' } as const;

const TaintSchema = z.looseObject({ key: z.string(), effect: z.string(), value: z.string().optional() });
const ClusterSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    resourceVersion: z.string().optional(),
    labels: z.record(z.string(), z.string()).default({}),
    deletionTimestamp: z.string().optional(),
    finalizers: z.array(z.string()).default([]),
  }),
  spec: z.looseObject({ taints: z.array(TaintSchema).default([]) }).default({ taints: [] }),
  status: z
    .looseObject({
      conditions: ConditionsSchema,
    })
    .default({ conditions: [] }),
});
type KarmadaCluster = z.output<typeof ClusterSchema>;

/**
 * Karmada federation, push mode, doing what `karmadactl join` does (see karmada-member.ts for
 * the member side). On the control plane: Secrets `<cluster>` (token, caBundle) and
 * `<cluster>-impersonator` in `karmada-cluster`, then the cluster-scoped `Cluster`
 * labelled with owner, burst id and `clusterburst.io/burst=true` for PropagationPolicies.
 * Ready is the Cluster's Ready condition; cordon is a NoSchedule taint `clusterburst.io/draining`,
 * evict the NoExecute one (Karmada's taint manager moves workloads off).
 *
 * Leave deletes the Cluster and reports `pending` while Karmada's finalizer holds it (Works in
 * `karmada-es-<cluster>` being released); past `leaveTimeoutSeconds` it fails, naming the
 * finalizers. Once the Cluster is gone it revokes the member-side access with the federation's
 * own token (one DELETE of the ClusterRole; the garbage collector removes what it owns), then
 * deletes the Secrets. `force` skips the member side, for a member that is gone: its
 * service accounts go with it. The member's admin credentials serve the join only; nothing
 * secret is logged, and errors name objects, never their contents. `list` also reports, as
 * members, our labelled Secrets left without a Cluster, so reconcile's forced leave removes them.
 * Services on members (place, serviceStatus, unplace): see karmada-placement.ts; uncordon removes
 * only the NoSchedule taint cordon added.
 * @example
 * const federation = new KarmadaFederation({ kubeconfigPath: '/etc/karmada/karmada-apiserver.config' });
 */
export class KarmadaFederation implements FederationDriver {
  readonly name = 'karmada';
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #options: KarmadaOptions;
  readonly #kc: KubeConfig;
  readonly #placement: KarmadaPlacement;

  /** The installation: members and Secrets not labelled with it are never touched. */
  readonly #owner: string | undefined;

  constructor(options: KarmadaOptions, kubeConfig?: KubeConfig, owner?: string) {
    this.#owner = owner;
    this.#options = options;
    const kc = kubeConfig ?? loadKubeConfig(this.#options, 'federation.options');
    this.#kc = kc;
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#placement = new KarmadaPlacement(this.#custom, options);
  }

  async uncordon(name: string): Promise<void> {
    await this.#retaint(name, 'uncordoning', (taints) =>
      taints.some((t) => t.key === DRAINING_TAINT && t.effect === 'NoSchedule')
        ? taints.filter((t) => !(t.key === DRAINING_TAINT && t.effect === 'NoSchedule'))
        : undefined,
    );
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
    if (cluster) refuseForeign(DRIVER, `Cluster ${name}`, cluster.metadata.labels, this.#owner);
    const owner = this.#owner ?? cluster?.metadata.labels[OWNER_LABEL];
    if (!owner) return { done: true, why: `${name} is not a member: nothing is placed on it` };
    return this.#placement.unplace(name, owner, services);
  }

  /** Labels of the resource templates and their namespaces on the karmada-apiserver. */
  async labels(services: readonly ServiceSpec[]): Promise<ServiceLabels[]> {
    return templateLabels(DRIVER, this.#kc, services);
  }

  /**
   * The installation placing on member `name`: ours, or the member's own owner label when the
   * driver was built without one. A member that is not there (or not ours) is refused.
   */
  async #ownerOf(name: string): Promise<string> {
    const cluster = await this.#get(name);
    if (!cluster) throw new DriverError(DRIVER, `Cluster ${name} is not a member: join it first`);
    refuseForeign(DRIVER, `Cluster ${name}`, cluster.metadata.labels, this.#owner);
    const owner = this.#owner ?? cluster.metadata.labels[OWNER_LABEL];
    if (!owner)
      throw new DriverError(DRIVER, `refusing to place on Cluster ${name}: clusterburst did not create it`);
    return owner;
  }

  async join(member: MemberSpec): Promise<void> {
    const existing = await this.#get(member.name);
    // Adopt only our own member: a Cluster of that name from anyone else is refused.
    if (existing) refuseForeign(DRIVER, `Cluster ${member.name}`, existing.metadata.labels, member.owner);
    if (existing?.metadata.deletionTimestamp)
      throw new DriverError(DRIVER, `Cluster ${member.name} is still leaving; join again once it is gone`, {
        retryable: true,
      });
    if (existing) return; // created last, so everything before it is there
    const labels = { ...member.labels, [OWNER_LABEL]: member.owner };
    const endpoint = member.credentials.endpoint;
    const access = await joinKarmadaMember(
      DRIVER,
      kubeConfigFromCredentials(member.credentials, member.name),
      {
        cluster: member.name,
        namespace: this.#options.memberNamespace,
        labels,
        tokenTimeoutMs: this.#options.tokenTimeoutSeconds * 1000,
      },
    );
    const namespace = this.#options.clusterNamespace;
    const secret = (name: string, data: Record<string, string>) =>
      ensureTokenSecret(DRIVER, this.#core, { namespace, name, labels, endpoint, data });
    await secret(member.name, { token: access.cluster.token, caBundle: access.cluster.caCrt });
    await secret(`${member.name}-impersonator`, { token: access.impersonator.token });
    await createIfAbsent(DRIVER, `Cluster ${member.name}`, () =>
      this.#custom.createClusterCustomObject({
        ...CLUSTER,
        body: {
          apiVersion: `${CLUSTER.group}/${CLUSTER.version}`,
          kind: 'Cluster',
          metadata: { name: member.name, labels },
          spec: {
            id: access.id,
            syncMode: 'Push',
            apiEndpoint: endpoint,
            secretRef: { namespace, name: member.name },
            impersonatorSecretRef: { namespace, name: `${member.name}-impersonator` },
            provider: member.provider,
            region: member.region,
          },
        },
      }),
    );
  }

  async status(name: string): Promise<MemberStatus | undefined> {
    const cluster = await this.#get(name);
    return cluster && toStatus(cluster);
  }

  async cordon(name: string): Promise<void> {
    await this.#taint(name, 'NoSchedule');
  }

  async evict(name: string): Promise<void> {
    await this.#taint(name, 'NoExecute');
  }

  async leave(name: string, options: { readonly force?: boolean } = {}): Promise<'left' | 'pending'> {
    const cluster = await this.#get(name);
    if (cluster) refuseForeign(DRIVER, `Cluster ${name}`, cluster.metadata.labels, this.#owner);
    if (cluster?.metadata.deletionTimestamp) {
      const waited = (Date.now() - Date.parse(cluster.metadata.deletionTimestamp)) / 1000;
      if (waited <= this.#options.leaveTimeoutSeconds) return 'pending';
      throw new DriverError(
        DRIVER,
        `Cluster ${name} still deleting after ${Math.round(waited)}s, held by finalizers ` +
          `${cluster.metadata.finalizers.join(', ') || '(none)'}: see the Works in karmada-es-${name}`,
      );
    }
    if (cluster) {
      const answer = await deleteIfPresent(DRIVER, `Cluster ${name}`, () =>
        this.#custom.deleteClusterCustomObject({ ...CLUSTER, name }),
      );
      const kept = ClusterSchema.safeParse(answer);
      if (kept.success && kept.data.metadata.finalizers.length > 0) return 'pending';
    }
    const namespace = this.#options.clusterNamespace;
    if (!options.force) await this.#revokeMember(name);
    for (const secret of [name, `${name}-impersonator`]) {
      const found: V1Secret | undefined = await readIfPresent(DRIVER, `Secret ${namespace}/${secret}`, () =>
        this.#core.readNamespacedSecret({ namespace, name: secret }),
      );
      // Named like ours but not labelled ours: someone else's, left alone.
      if (!found || !ownedBy(found.metadata?.labels, this.#owner)) continue;
      await deleteIfPresent(DRIVER, `Secret ${namespace}/${secret}`, () =>
        this.#core.deleteNamespacedSecret({ namespace, name: secret }),
      );
    }
    return 'left';
  }

  async list(owner: string): Promise<MemberStatus[]> {
    const list = (await kubeCall(DRIVER, 'listing Clusters', () =>
      this.#custom.listClusterCustomObject({ ...CLUSTER, labelSelector: `${OWNER_LABEL}=${owner}` }),
    )) as { items?: unknown[] };
    const members = (list.items ?? []).flatMap((item) => {
      const parsed = ClusterSchema.safeParse(item);
      return parsed.success ? [toStatus(parsed.data)] : [];
    });
    // Secrets left by a leave that ended while the Cluster was still being deleted.
    const leftovers = await leftoverSecretMembers(DRIVER, this.#core, {
      namespace: this.#options.clusterNamespace,
      owner,
      memberOf: (secret) => secret.replace(/-impersonator$/, ''),
      members: new Set(members.map((m) => m.name)),
    });
    return [...members, ...leftovers];
  }

  /** Member side of the unjoin, as the cluster's own service account (token kept on the control plane). */
  async #revokeMember(name: string): Promise<void> {
    const namespace = this.#options.clusterNamespace;
    const secret: V1Secret | undefined = await readIfPresent(DRIVER, `Secret ${namespace}/${name}`, () =>
      this.#core.readNamespacedSecret({ namespace, name }),
    );
    // No Secret: never joined, or revoked before a crash (the Secret is deleted last).
    const kc = secret && kubeConfigFromTokenSecret(secret, 'caBundle');
    if (!kc) return;
    try {
      await revokeMemberAccess(DRIVER, kc, karmadaMemberNames(name).clusterRole);
    } catch (error) {
      if (error instanceof DriverError && error.retryable)
        throw new DriverError(DRIVER, `${error.message} (if the member is gone, leave with force)`, {
          cause: error,
          retryable: true,
        });
      throw error;
    }
  }

  async #get(name: string): Promise<KarmadaCluster | undefined> {
    const object = await readIfPresent(DRIVER, `Cluster ${name}`, () =>
      this.#custom.getClusterCustomObject({ ...CLUSTER, name }),
    );
    if (object === undefined) return undefined;
    const parsed = ClusterSchema.safeParse(object);
    if (!parsed.success) throw new DriverError(DRIVER, `Cluster ${name} is not a Karmada Cluster`);
    return parsed.data;
  }

  /** Adds the draining taint with `effect`, keeping the taints Karmada set. */
  async #taint(name: string, effect: 'NoSchedule' | 'NoExecute'): Promise<void> {
    await this.#retaint(name, `tainting ${effect}`, (taints) =>
      taints.some((t) => t.key === DRAINING_TAINT && t.effect === effect)
        ? undefined
        : [...taints, { key: DRAINING_TAINT, effect, timeAdded: new Date().toISOString() }],
    );
  }

  /**
   * Sets `Cluster.spec.taints` to `change(taints)` (undefined: nothing to do), with a CAS on
   * resourceVersion so the taints Karmada or a person set in between are kept.
   */
  async #retaint(
    name: string,
    what: string,
    change: (taints: KarmadaCluster['spec']['taints']) => KarmadaCluster['spec']['taints'] | undefined,
  ): Promise<void> {
    // 409: Karmada changed the Cluster since we read it; 404 on the patch: it went away between
    // the read and the write (the next read says so). Both are read again and decided afresh.
    const raced = (error: unknown) => isKubeFailure(error, 409) || isKubeFailure(error, 404);
    try {
      await retry(
        async () => {
          const cluster = await this.#get(name);
          if (!cluster) return; // nothing to keep workloads off (a join that never happened)
          refuseForeign(DRIVER, `Cluster ${name}`, cluster.metadata.labels, this.#owner);
          const taints = change(cluster.spec.taints);
          if (!taints) return;
          await this.#custom.patchClusterCustomObject(
            {
              ...CLUSTER,
              name,
              body: { metadata: { resourceVersion: cluster.metadata.resourceVersion }, spec: { taints } },
            },
            MERGE_PATCH,
          );
        },
        { attempts: 5, baseMs: 20, maxMs: 200, retryIf: raced },
      );
    } catch (error) {
      if (error instanceof DriverError) throw error;
      if (raced(error)) {
        throw new DriverError(DRIVER, `${what} Cluster ${name} kept conflicting`, { retryable: true });
      }
      throw driverError(DRIVER, `${what} Cluster ${name}`, error);
    }
  }
}

function toStatus(cluster: KarmadaCluster): MemberStatus {
  const ready = cluster.status.conditions.find((c) => c.type === 'Ready');
  const has = (effect: string) =>
    cluster.spec.taints.some((t) => t.key === DRAINING_TAINT && t.effect === effect);
  const leaving = cluster.metadata.deletionTimestamp !== undefined;
  const said = ready
    ? `${ready.reason ?? ready.status}${ready.message ? `: ${ready.message}` : ''}`
    : undefined;
  return {
    name: cluster.metadata.name,
    ready: ready?.status === 'True' && !leaving,
    cordoned: has('NoSchedule'),
    evicted: has('NoExecute'),
    labels: cluster.metadata.labels,
    message: leaving ? `leaving (${said ?? 'no Ready condition'})` : (said ?? 'no Ready condition yet'),
  };
}
