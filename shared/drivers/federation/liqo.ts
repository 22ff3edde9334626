import type { KubeConfig } from '@kubernetes/client-node';
import { OWNER_LABEL } from '../../domain/names.ts';
import type { ServiceLabels, ServiceOnMember, ServiceSpec } from '../../domain/services.ts';
import { DriverError } from '../../errors.ts';
import { ifPresent, kubeCall, MERGE_PATCH, readIfPresent } from '../kube/calls.ts';
import { kubeConfigFromCredentials } from '../kube/credentials.ts';
import { loadKubeConfig } from '../kube/kubeconfig-source.ts';
import { leftoverSecretMembers } from '../kube/leftover-secrets.ts';
import { refuseForeign } from '../kube/owned.ts';
import type { FederationDriver, MemberSpec, MemberStatus } from './federation.ts';
import { type Clients, clusterIdOf, DRIVER } from './liqo-calls.ts';
import {
  type ForeignCluster,
  ForeignClusterSchema,
  itemsOf,
  LIQO,
  LIQO_LABELS,
  MEMBER_LABEL,
  parsed,
  ResourceSliceSchema,
  TENANT_CONDITION_ANNOTATION,
  tenantNamespaceOf,
} from './liqo-objects.ts';
import { homeReady, homeWorkloads, labelsOf, offload, reclaim, servicesOnMember } from './liqo-offloading.ts';
import type { LiqoOptions } from './liqo-options.ts';
import { peer } from './liqo-peering.ts';
import { burstClients, type PeeringRef, unpeer } from './liqo-unpeer.ts';

type TenantCondition = 'Active' | 'Cordoned' | 'Drained';
const GOOD = new Set(['Ready', 'Established']);

/**
 * Liqo 1.x federation, by Liqo's own resources as `liqoctl peer` creates them (no liqoctl):
 * the home cluster (this driver's kubeconfig) consumes, each burst cluster provides a
 * ResourceSlice of capped resources, which Liqo turns into a virtual node at home
 * (liqo-peering.ts). Ready is the ForeignCluster's module conditions (authentication,
 * offloading, and networking with in-cluster routing) plus the slice's Authentication and
 * Resources conditions. Services are placed by offloading their namespaces
 * (liqo-offloading.ts). Cordon and evict set the Tenant on the burst cluster Cordoned or
 * Drained (as `liqoctl cordon tenant` / `drain tenant`), uncordon sets it Active, with the
 * service account the join granted us there. Leave unpeers step by step (liqo-unpeer.ts).
 *
 * Networking (Liqo's gateways and WireGuard) is not created here: its CRDs are not part of
 * this driver's contract. Sites using in-cluster routing connect the clusters with Liqo's
 * network templates; readiness then waits for the networking module.
 * @example
 * const federation = new LiqoFederation(LiqoOptionsSchema.parse({ kubeconfigPath: '/etc/liqo/home.kubeconfig' }));
 */
export class LiqoFederation implements FederationDriver {
  readonly name = 'liqo';
  readonly inClusterRouting: boolean;
  readonly #options: LiqoOptions;
  readonly #home: ReturnType<typeof homeWorkloads>;
  readonly #owner: string | undefined;

  constructor(options: LiqoOptions, kubeConfig?: KubeConfig, owner?: string) {
    this.#options = options;
    this.#owner = owner;
    this.inClusterRouting = options.inClusterRouting;
    this.#home = homeWorkloads(kubeConfig ?? loadKubeConfig(options, 'federation.options'));
  }

  async join(member: MemberSpec): Promise<void> {
    await peer(this.#home, this.#options, member, kubeConfigFromCredentials(member.credentials, member.name));
  }

  async status(name: string): Promise<MemberStatus | undefined> {
    const { fc } = await this.#find(name);
    return fc && this.#view(name, fc);
  }

  async cordon(name: string): Promise<void> {
    await this.#tenant(name, 'Cordoned');
  }

  async uncordon(name: string): Promise<void> {
    await this.#tenant(name, 'Active');
  }

  async evict(name: string): Promise<void> {
    await this.#tenant(name, 'Drained');
  }

  async place(name: string, services: readonly ServiceSpec[]): Promise<void> {
    const { fc } = await this.#find(name);
    if (!fc) throw new DriverError(DRIVER, `${name} is not peered yet`, { retryable: true });
    await offload(
      this.#home,
      this.#ownerOf(fc),
      fc.spec.clusterID,
      services,
      this.#options.podOffloadingStrategy,
    );
  }

  async serviceStatus(name: string, services: readonly ServiceSpec[]): Promise<ServiceOnMember[]> {
    const ref = await this.#ref(name);
    const burst = this.inClusterRouting ? undefined : await burstClients(this.#home, this.#options, ref);
    return servicesOnMember(this.#home, burst, await this.#node(ref), services, this.inClusterRouting);
  }

  async unplace(name: string, services: readonly ServiceSpec[]): Promise<{ done: boolean; why: string }> {
    const { fc } = await this.#find(name);
    // Never peered (or already unpeered): no pod can be on its virtual node.
    if (!fc) return { done: true, why: `${name} is not peered: none of the services runs there` };
    await reclaim(this.#home, this.#ownerOf(fc), fc.spec.clusterID, services);
    const node = await this.#node({ name, burstId: fc.spec.clusterID, owner: this.#owner });
    return homeReady(this.#home, node, services);
  }

  async labels(services: readonly ServiceSpec[]): Promise<ServiceLabels[]> {
    return labelsOf(this.#home, services);
  }

  async leave(name: string, options: { readonly force?: boolean } = {}): Promise<'left' | 'pending'> {
    return unpeer(this.#home, this.#options, await this.#ref(name), options.force === true);
  }

  async list(owner: string): Promise<MemberStatus[]> {
    const list = await kubeCall(DRIVER, 'listing ForeignClusters', () =>
      this.#home.custom.listClusterCustomObject({
        ...LIQO.foreignCluster,
        labelSelector: `${OWNER_LABEL}=${owner}`,
      }),
    );
    const members: MemberStatus[] = [];
    for (const item of itemsOf(list)) {
      const fc = parsed(ForeignClusterSchema, item);
      const name = fc?.metadata.labels[MEMBER_LABEL];
      if (fc && name) members.push(await this.#view(name, fc));
    }
    // A join that crashed before its ForeignCluster, or a leave after it: our token Secret remains.
    const leftovers = await leftoverSecretMembers(DRIVER, this.#home.core, {
      namespace: this.#options.tokenNamespace,
      owner,
      memberOf: (secret) => secret,
      members: new Set(members.map((m) => m.name)),
    });
    return [...members, ...leftovers];
  }

  /** The installation a NamespaceOffloading belongs to: ours, else the member's (a driver built without one). */
  #ownerOf(fc: ForeignCluster): string {
    const owner = this.#owner ?? fc.metadata.labels[OWNER_LABEL];
    if (!owner) throw new DriverError(DRIVER, `ForeignCluster ${fc.metadata.name} names no owner`);
    return owner;
  }

  /** Our ForeignCluster for the member, and the burst cluster's Liqo id (from it, else our tenant namespace). */
  async #find(name: string): Promise<{ fc?: ForeignCluster; burstId?: string }> {
    const selector = `${MEMBER_LABEL}=${name}${this.#owner ? `,${OWNER_LABEL}=${this.#owner}` : ''}`;
    const list = await kubeCall(DRIVER, `finding the ForeignCluster of ${name}`, () =>
      this.#home.custom.listClusterCustomObject({ ...LIQO.foreignCluster, labelSelector: selector }),
    );
    const fc = itemsOf(list)
      .map((i) => parsed(ForeignClusterSchema, i))
      .find((f) => f !== undefined);
    if (fc) return { fc, burstId: fc.spec.clusterID };
    const namespaces = await kubeCall(DRIVER, `finding the tenant namespace of ${name}`, () =>
      this.#home.core.listNamespace({ labelSelector: `${selector},${LIQO_LABELS.tenantNamespace}=true` }),
    );
    const burstId = namespaces.items[0]?.metadata?.labels?.[LIQO_LABELS.remoteClusterId];
    return burstId ? { burstId } : {};
  }

  async #ref(name: string): Promise<PeeringRef> {
    return { name, burstId: (await this.#find(name)).burstId, owner: this.#owner };
  }

  /** The virtual node's name (Liqo names it after the ResourceSlice), once its Node exists. */
  async #node(ref: PeeringRef): Promise<string | undefined> {
    const node = await readIfPresent(DRIVER, `Node ${ref.name}`, () =>
      this.#home.core.readNode({ name: ref.name }),
    );
    return node ? ref.name : undefined;
  }

  async #view(name: string, fc: ForeignCluster): Promise<MemberStatus> {
    const ns = tenantNamespaceOf(fc.spec.clusterID);
    const slice = parsed(
      ResourceSliceSchema,
      await readIfPresent(DRIVER, `ResourceSlice ${ns}/${name}`, () =>
        this.#home.custom.getNamespacedCustomObject({ ...LIQO.resourceSlice, namespace: ns, name }),
      ),
    );
    const waiting: string[] = [];
    if (!slice) waiting.push('ResourceSlice not created');
    for (const type of ['Authentication', 'Resources']) {
      const c = slice?.status?.conditions.find((x) => x.type === type);
      if (slice && c?.status !== 'Accepted') waiting.push(`ResourceSlice ${type} ${c?.status ?? 'pending'}`);
    }
    const modules = fc.status?.modules;
    const check = (module: 'authentication' | 'offloading' | 'networking', expected: readonly string[]) => {
      const conditions = modules?.[module]?.conditions ?? [];
      for (const type of expected) {
        const c = conditions.find((x) => x.type === type);
        if (!c || !GOOD.has(c.status)) waiting.push(`${module} ${type} ${c?.status ?? 'absent'}`);
      }
      for (const c of conditions)
        if (!expected.includes(c.type) && !GOOD.has(c.status))
          waiting.push(`${module} ${c.type} ${c.status}`);
    };
    check('authentication', ['AuthIdentityControlPlaneStatus']);
    check('offloading', ['OffloadingVirtualNodeStatus', 'OffloadingNodeStatus']);
    if (this.inClusterRouting) check('networking', ['NetworkConnectionStatus']);
    const condition = fc.metadata.annotations[TENANT_CONDITION_ANNOTATION] ?? 'Active';
    return {
      name,
      ready: waiting.length === 0,
      cordoned: condition !== 'Active',
      evicted: condition === 'Drained',
      labels: fc.metadata.labels,
      message:
        waiting.length === 0
          ? `virtual node ${name} ready with ${JSON.stringify(slice?.status?.resources ?? {})}`
          : `waiting for ${waiting.join(', ')}`,
    };
  }

  /** Sets the Tenant's condition on the burst cluster, then records it on our ForeignCluster. */
  async #tenant(name: string, condition: TenantCondition): Promise<void> {
    const { fc } = await this.#find(name);
    if (!fc) return; // never peered: nothing is scheduled there
    refuseForeign(DRIVER, `ForeignCluster ${fc.metadata.name}`, fc.metadata.labels, this.#owner);
    if ((fc.metadata.annotations[TENANT_CONDITION_ANNOTATION] ?? 'Active') === condition) return;
    const ref: PeeringRef = { name, burstId: fc.spec.clusterID, owner: this.#owner };
    const burst: Clients | undefined = await burstClients(this.#home, this.#options, ref);
    if (burst) {
      const homeId = await clusterIdOf(this.#home, this.#options.liqoNamespace, 'home cluster');
      const namespace = tenantNamespaceOf(homeId);
      // No Tenant (a join that stopped before it) is a 404, fine: nothing could be scheduled there.
      await ifPresent(DRIVER, `setting Tenant ${namespace}/${homeId} ${condition} in the burst cluster`, () =>
        burst.custom.patchNamespacedCustomObject(
          { ...LIQO.tenant, namespace, name: homeId, body: { spec: { tenantCondition: condition } } },
          MERGE_PATCH,
        ),
      );
    }
    await kubeCall(DRIVER, `recording the tenant condition on ForeignCluster ${fc.metadata.name}`, () =>
      this.#home.custom.patchClusterCustomObject(
        {
          ...LIQO.foreignCluster,
          name: fc.metadata.name,
          body: { metadata: { annotations: { [TENANT_CONDITION_ANNOTATION]: condition } } },
        },
        MERGE_PATCH,
      ),
    );
  }
}
