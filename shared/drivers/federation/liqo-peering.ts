/**
 * Liqo peering by resources, in the order `liqoctl peer` and `liqoctl unpeer` follow
 * (pkg/liqoctl/peer, authenticate, rest/resourceslice, unpeer), home cluster = consumer, burst
 * cluster = provider, networking left to the site (see liqo.ts). Every object we create carries
 * our owner and member labels besides Liqo's own; an object of the same name without our owner
 * label is refused at join and left alone at leave.
 */
import type { KubeConfig, V1PolicyRule } from '@kubernetes/client-node';
import { OWNER_LABEL } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import { createIfAbsent, kubeCall, readIfPresent } from '../kube/calls.ts';
import { grantMemberAccess } from '../kube/member-access.ts';
import { refuseForeign } from '../kube/owned.ts';
import { ensureTokenSecret } from '../kube/token-secret.ts';
import type { MemberSpec } from './federation.ts';
import {
  type Clients,
  clientsOf,
  clusterIdOf,
  DRIVER,
  ensureCustom,
  ensureNamespace,
  waitFor,
} from './liqo-calls.ts';
import { controlPlaneCsr, publicKeyPem } from './liqo-csr.ts';
import {
  AUTH_KEYS_SECRET,
  controlPlaneIdentityOf,
  LIQO,
  LIQO_LABELS,
  MEMBER_LABEL,
  NONCE_SECRET,
  SIGNED_NONCE_SECRET,
  TenantSchema,
  tenantNamespaceOf,
} from './liqo-objects.ts';
import type { LiqoOptions } from './liqo-options.ts';

/** Our service account in each burst cluster: what cordon, uncordon and unpeer need there. */
export const burstAccessNames = (member: string) => ({
  namespace: 'clusterburst-liqo',
  serviceAccount: 'clusterburst-liqo',
  clusterRole: `clusterburst-liqo:${member}`,
});
const BURST_RULES: readonly V1PolicyRule[] = [
  {
    apiGroups: ['authentication.liqo.io'],
    resources: ['tenants'],
    verbs: ['get', 'list', 'patch', 'delete'],
  },
  { apiGroups: [''], resources: ['namespaces', 'secrets'], verbs: ['get', 'delete'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get'] },
];

/** How big the ResourceSlice is: the configured figures, else per-node figures times the burst's nodes. */
export async function resourceCap(burst: Clients, options: LiqoOptions): Promise<Record<string, string>> {
  const given = options.resources;
  let nodes = 1;
  if (!given.cpu || !given.memory || !given.pods) {
    const list = await kubeCall(DRIVER, 'listing the nodes of the burst cluster', () =>
      burst.core.listNode(),
    );
    // A node pool scaled to zero still offers its declared capacity (karmada #4284 is the same trap).
    nodes = Math.max(1, list.items.length);
  }
  const per = options.perNode;
  return {
    cpu: given.cpu ?? String(per.cpu * nodes),
    memory: given.memory ?? `${per.memoryMiB * nodes}Mi`,
    pods: given.pods ?? String(per.pods * nodes),
  };
}

/**
 * Peers the burst cluster (provider) to the home cluster (consumer): ForeignCluster, tenant
 * namespaces, the nonce challenge signed by the home's Liqo, the Tenant on the burst cluster,
 * the control-plane Identity at home, our own access to the burst cluster, then the
 * ResourceSlice asking for a virtual node with the cap. Idempotent; the ResourceSlice is
 * created last, so once it exists the rest is there.
 */
export async function peer(
  home: Clients,
  options: LiqoOptions,
  member: MemberSpec,
  burstKc: KubeConfig,
): Promise<void> {
  const burst = clientsOf(burstKc);
  const homeId = await clusterIdOf(home, options.liqoNamespace, 'home cluster');
  const burstId = await clusterIdOf(burst, options.liqoNamespace, 'burst cluster');
  const ours = { ...member.labels, [OWNER_LABEL]: member.owner, [MEMBER_LABEL]: member.name };
  const remote = (id: string) => ({ ...ours, [LIQO_LABELS.remoteClusterId]: id });
  const homeNs = tenantNamespaceOf(burstId);
  const burstNs = tenantNamespaceOf(homeId);
  const slice = await readIfPresent(DRIVER, `ResourceSlice ${homeNs}/${member.name}`, () =>
    home.custom.getNamespacedCustomObject({ ...LIQO.resourceSlice, namespace: homeNs, name: member.name }),
  );
  if (slice) {
    refuseForeign(
      DRIVER,
      `ResourceSlice ${homeNs}/${member.name}`,
      (slice as { metadata?: { labels?: Record<string, string> } }).metadata?.labels,
      member.owner,
    );
    return;
  }
  const timeoutMs = options.handshakeTimeoutSeconds * 1000;

  await ensureCustom(home, LIQO.foreignCluster, `ForeignCluster ${burstId}`, {
    apiVersion: 'core.liqo.io/v1beta1',
    kind: 'ForeignCluster',
    metadata: { name: burstId, labels: remote(burstId) },
    spec: { clusterID: burstId },
  });
  const tenantNs = (id: string) => ({ ...remote(id), [LIQO_LABELS.tenantNamespace]: 'true' });
  await ensureNamespace(home, homeNs, tenantNs(burstId), 'home cluster');
  await ensureNamespace(burst, burstNs, tenantNs(homeId), 'burst cluster');

  // The challenge: the burst's Liqo fills the nonce, the home's Liqo signs it with its key.
  await createIfAbsent(DRIVER, `Secret ${burstNs}/${NONCE_SECRET} in the burst cluster`, () =>
    burst.core.createNamespacedSecret({
      namespace: burstNs,
      body: { metadata: { name: NONCE_SECRET, labels: { ...remote(homeId), [LIQO_LABELS.nonce]: 'true' } } },
    }),
  );
  const nonce = await waitFor(`the burst cluster's Liqo did not fill the nonce`, timeoutMs, async () => {
    const s = await readIfPresent(DRIVER, `Secret ${burstNs}/${NONCE_SECRET} in the burst cluster`, () =>
      burst.core.readNamespacedSecret({ namespace: burstNs, name: NONCE_SECRET }),
    );
    return s?.data?.nonce || undefined;
  });
  await createIfAbsent(DRIVER, `Secret ${homeNs}/${SIGNED_NONCE_SECRET}`, () =>
    home.core.createNamespacedSecret({
      namespace: homeNs,
      body: {
        metadata: {
          name: SIGNED_NONCE_SECRET,
          labels: { ...remote(burstId), [LIQO_LABELS.signedNonce]: 'true' },
        },
        data: { nonce },
      },
    }),
  );
  const signature = await waitFor(`the home cluster's Liqo did not sign the nonce`, timeoutMs, async () => {
    const s = await readIfPresent(DRIVER, `Secret ${homeNs}/${SIGNED_NONCE_SECRET}`, () =>
      home.core.readNamespacedSecret({ namespace: homeNs, name: SIGNED_NONCE_SECRET }),
    );
    return s?.data?.signedNonce || undefined;
  });
  const keys = await kubeCall(DRIVER, `reading Secret ${options.liqoNamespace}/${AUTH_KEYS_SECRET}`, () =>
    home.core.readNamespacedSecret({ namespace: options.liqoNamespace, name: AUTH_KEYS_SECRET }),
  );
  const privateKey = keys.data?.privateKey && Buffer.from(keys.data.privateKey, 'base64').toString('utf8');
  if (!privateKey)
    throw new DriverError(DRIVER, `Secret ${options.liqoNamespace}/${AUTH_KEYS_SECRET} has no privateKey`);
  let csr: string;
  let publicKey: string;
  try {
    csr = controlPlaneCsr(privateKey, homeId);
    publicKey = publicKeyPem(privateKey);
  } catch (error) {
    // Never the key itself: only what kind of problem it has.
    throw new DriverError(
      DRIVER,
      `the home cluster's Liqo key cannot sign: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  await ensureCustom(burst, LIQO.tenant, `Tenant ${burstNs}/${homeId} in the burst cluster`, {
    apiVersion: 'authentication.liqo.io/v1beta1',
    kind: 'Tenant',
    metadata: { name: homeId, namespace: burstNs, labels: remote(homeId) },
    spec: {
      clusterID: homeId,
      publicKey: b64(publicKey),
      csr: b64(csr),
      signature,
      tenantCondition: 'Active',
    },
  });
  const tenant = await waitFor(`the burst cluster's Liqo did not accept the Tenant`, timeoutMs, async () => {
    const t = TenantSchema.safeParse(
      await readIfPresent(DRIVER, `Tenant ${burstNs}/${homeId} in the burst cluster`, () =>
        burst.custom.getNamespacedCustomObject({ ...LIQO.tenant, namespace: burstNs, name: homeId }),
      ),
    );
    return t.success && t.data.status?.authParams && t.data.status.tenantNamespace
      ? t.data.status
      : undefined;
  });
  await ensureCustom(home, LIQO.identity, `Identity ${homeNs}/${controlPlaneIdentityOf(burstId)}`, {
    apiVersion: 'authentication.liqo.io/v1beta1',
    kind: 'Identity',
    metadata: { name: controlPlaneIdentityOf(burstId), namespace: homeNs, labels: remote(burstId) },
    spec: {
      clusterID: burstId,
      type: 'ControlPlane',
      authParams: tenant.authParams,
      namespace: tenant.tenantNamespace,
    },
  });

  // Our own access to the burst cluster, kept at home: cordon and unpeer need it after the join.
  const names = burstAccessNames(member.name);
  const tokens = await grantMemberAccess(DRIVER, burstKc, {
    namespace: names.namespace,
    serviceAccounts: [names.serviceAccount],
    clusterRole: names.clusterRole,
    rules: BURST_RULES,
    labels: ours,
    tokenTimeoutMs: options.tokenTimeoutSeconds * 1000,
  });
  const token = tokens[names.serviceAccount]!;
  await ensureTokenSecret(DRIVER, home.core, {
    namespace: options.tokenNamespace,
    name: member.name,
    labels: ours,
    endpoint: member.credentials.endpoint,
    data: { token: token.token, 'ca.crt': token.caCrt },
  });

  await ensureCustom(home, LIQO.resourceSlice, `ResourceSlice ${homeNs}/${member.name}`, {
    apiVersion: 'authentication.liqo.io/v1beta1',
    kind: 'ResourceSlice',
    metadata: {
      name: member.name,
      namespace: homeNs,
      labels: {
        ...remote(burstId),
        [LIQO_LABELS.replication]: 'true',
        [LIQO_LABELS.replicationDestination]: burstId,
      },
      annotations: { [LIQO_LABELS.createVirtualNode]: 'true' },
    },
    spec: {
      class: options.resourceSliceClass,
      providerClusterID: burstId,
      resources: await resourceCap(burst, options),
    },
  });
}
