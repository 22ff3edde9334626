/**
 * Unpeering, in `liqoctl unpeer`'s order (pkg/liqoctl/unpeer): the ResourceSlice first (Liqo
 * removes the virtual node it owns), then authentication on the burst cluster (Tenant, nonce,
 * tenant namespace, with our own service account there), then at home (Identity, signed nonce,
 * tenant namespace), our token Secret, and the ForeignCluster last: it is how every later call
 * finds the peering. Each call does what it can and says `pending` while Liqo or Kubernetes
 * still has something to finish; only objects carrying our owner label are deleted.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { DriverError } from '../../errors.ts';
import { readIfPresent } from '../kube/calls.ts';
import { kubeFailure } from '../kube/errors.ts';
import { revokeMemberAccess } from '../kube/member-access.ts';
import { ownedBy } from '../kube/owned.ts';
import { kubeConfigFromTokenSecret } from '../kube/token-secret.ts';
import { type Clients, clientsOf, clusterIdOf, DRIVER, deleteOwned } from './liqo-calls.ts';
import {
  controlPlaneIdentityOf,
  LIQO,
  NONCE_SECRET,
  SIGNED_NONCE_SECRET,
  tenantNamespaceOf,
} from './liqo-objects.ts';
import type { LiqoOptions } from './liqo-options.ts';
import { burstAccessNames } from './liqo-peering.ts';

/** What unpeering needs to know of a member: its burst cluster's Liqo id, when still known. */
export interface PeeringRef {
  readonly name: string;
  readonly burstId: string | undefined;
  readonly owner: string | undefined;
}

/** Our token Secret for the member's burst cluster, if it is ours. */
export async function burstTokenSecret(
  home: Clients,
  options: LiqoOptions,
  ref: PeeringRef,
): Promise<V1Secret | undefined> {
  const namespace = options.tokenNamespace;
  const secret = await readIfPresent(DRIVER, `Secret ${namespace}/${ref.name}`, () =>
    home.core.readNamespacedSecret({ namespace, name: ref.name }),
  );
  return secret && ownedBy(secret.metadata?.labels, ref.owner) ? secret : undefined;
}

/** The burst cluster's clients with our service account's token, or undefined without one. */
export async function burstClients(
  home: Clients,
  options: LiqoOptions,
  ref: PeeringRef,
): Promise<Clients | undefined> {
  const secret = await burstTokenSecret(home, options, ref);
  const kc = secret && kubeConfigFromTokenSecret(secret, 'ca.crt');
  return kc && clientsOf(kc);
}

/** Turns "cannot reach the burst cluster" into advice; 401/403 mean our access there is already gone. */
function burstGone(error: unknown): boolean {
  const f = kubeFailure(error);
  return f !== undefined && (f.code === 401 || f.code === 403);
}

async function unpeerBurst(
  home: Clients,
  options: LiqoOptions,
  ref: PeeringRef,
  homeId: string,
): Promise<void> {
  const secret = await burstTokenSecret(home, options, ref);
  const kc = secret && kubeConfigFromTokenSecret(secret, 'ca.crt');
  if (!kc) return; // never granted, or revoked before a crash (the Secret goes after)
  const burst = clientsOf(kc);
  const ns = tenantNamespaceOf(homeId);
  try {
    await deleteOwned(
      `Tenant ${ns}/${homeId} in the burst cluster`,
      ref.owner,
      () => burst.custom.getNamespacedCustomObject({ ...LIQO.tenant, namespace: ns, name: homeId }),
      () => burst.custom.deleteNamespacedCustomObject({ ...LIQO.tenant, namespace: ns, name: homeId }),
    );
    await deleteOwned(
      `Secret ${ns}/${NONCE_SECRET} in the burst cluster`,
      ref.owner,
      () => burst.core.readNamespacedSecret({ namespace: ns, name: NONCE_SECRET }),
      () => burst.core.deleteNamespacedSecret({ namespace: ns, name: NONCE_SECRET }),
    );
    await deleteOwned(
      `namespace ${ns} in the burst cluster`,
      ref.owner,
      () => burst.core.readNamespace({ name: ns }),
      () => burst.core.deleteNamespace({ name: ns }),
    );
  } catch (error) {
    if (burstGone((error as { cause?: unknown }).cause)) return;
    if (error instanceof DriverError && error.retryable)
      throw new DriverError(DRIVER, `${error.message} (if the burst cluster is gone, leave with force)`, {
        cause: error,
        retryable: true,
      });
    throw error;
  }
  // One DELETE of our ClusterRole; the garbage collector removes the account it owns.
  await revokeMemberAccess(DRIVER, kc, burstAccessNames(ref.name).clusterRole);
}

/**
 * One pass of the unpeering; `left` once nothing of ours remains for the member. `force`
 * skips the burst cluster (it is gone, and its objects with it).
 */
export async function unpeer(
  home: Clients,
  options: LiqoOptions,
  ref: PeeringRef,
  force: boolean,
): Promise<'left' | 'pending'> {
  const { owner } = ref;
  if (ref.burstId) {
    const ns = tenantNamespaceOf(ref.burstId);
    const slice = await deleteOwned(
      `ResourceSlice ${ns}/${ref.name}`,
      owner,
      () => home.custom.getNamespacedCustomObject({ ...LIQO.resourceSlice, namespace: ns, name: ref.name }),
      () =>
        home.custom.deleteNamespacedCustomObject({ ...LIQO.resourceSlice, namespace: ns, name: ref.name }),
    );
    // Liqo deletes the VirtualNode (owned by the slice) and drains its Node: wait for it.
    const virtualNode = await readIfPresent(DRIVER, `VirtualNode ${ns}/${ref.name}`, () =>
      home.custom.getNamespacedCustomObject({ ...LIQO.virtualNode, namespace: ns, name: ref.name }),
    );
    if (slice || virtualNode) return 'pending';
    if (!force)
      await unpeerBurst(home, options, ref, await clusterIdOf(home, options.liqoNamespace, 'home cluster'));
    const identity = controlPlaneIdentityOf(ref.burstId);
    await deleteOwned(
      `Identity ${ns}/${identity}`,
      owner,
      () => home.custom.getNamespacedCustomObject({ ...LIQO.identity, namespace: ns, name: identity }),
      () => home.custom.deleteNamespacedCustomObject({ ...LIQO.identity, namespace: ns, name: identity }),
    );
    await deleteOwned(
      `Secret ${ns}/${SIGNED_NONCE_SECRET}`,
      owner,
      () => home.core.readNamespacedSecret({ namespace: ns, name: SIGNED_NONCE_SECRET }),
      () => home.core.deleteNamespacedSecret({ namespace: ns, name: SIGNED_NONCE_SECRET }),
    );
    const namespace = await deleteOwned(
      `namespace ${ns}`,
      owner,
      () => home.core.readNamespace({ name: ns }),
      () => home.core.deleteNamespace({ name: ns }),
    );
    // The ForeignCluster goes last, once nothing labelled with the burst's id is left to recreate it.
    if (namespace) return 'pending';
  }
  await deleteOwned(
    `Secret ${options.tokenNamespace}/${ref.name}`,
    owner,
    () => home.core.readNamespacedSecret({ namespace: options.tokenNamespace, name: ref.name }),
    () => home.core.deleteNamespacedSecret({ namespace: options.tokenNamespace, name: ref.name }),
  );
  if (ref.burstId) {
    const id = ref.burstId;
    const fc = await deleteOwned(
      `ForeignCluster ${id}`,
      owner,
      () => home.custom.getClusterCustomObject({ ...LIQO.foreignCluster, name: id }),
      () => home.custom.deleteClusterCustomObject({ ...LIQO.foreignCluster, name: id }),
    );
    if (fc) return 'pending';
  }
  return 'left';
}
