import { CoreV1Api, type KubeConfig, type V1PolicyRule } from '@kubernetes/client-node';
import { kubeCall } from '../kube/calls.ts';
import { grantMemberAccess, type ServiceAccountToken } from '../kube/member-access.ts';

/** The impersonator service account Karmada's unified auth uses in every member. */
export const KARMADA_IMPERSONATOR = 'karmada-impersonator';

/** Names `karmadactl join` gives the member-side objects of cluster `cluster`. */
export function karmadaMemberNames(cluster: string): { serviceAccount: string; clusterRole: string } {
  return {
    serviceAccount: `karmada-${cluster}`,
    clusterRole: `karmada-controller-manager:karmada-${cluster}`,
  };
}

/** What Karmada's controllers may do in a push-mode member: everything (it deploys workloads). */
const RULES: readonly V1PolicyRule[] = [
  { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
  { nonResourceURLs: ['*'], verbs: ['get'] },
];

/** The member side of a push join: its cluster id and the two service-account tokens. */
export interface KarmadaMemberAccess {
  /** UID of the member's kube-system namespace: Karmada's cluster id. */
  readonly id: string;
  readonly cluster: ServiceAccountToken;
  readonly impersonator: ServiceAccountToken;
}

/**
 * The member side of `karmadactl join` (push mode), with the member's admin credentials:
 * namespace, the cluster and impersonator service accounts with explicit token Secrets, and
 * the ClusterRole and binding for the cluster account. Idempotent.
 */
export async function joinKarmadaMember(
  driver: string,
  kc: KubeConfig,
  options: {
    readonly cluster: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly tokenTimeoutMs: number;
  },
): Promise<KarmadaMemberAccess> {
  const names = karmadaMemberNames(options.cluster);
  const kubeSystem = await kubeCall(driver, 'reading namespace kube-system in the member', () =>
    kc.makeApiClient(CoreV1Api).readNamespace({ name: 'kube-system' }),
  );
  const tokens = await grantMemberAccess(driver, kc, {
    namespace: options.namespace,
    serviceAccounts: [names.serviceAccount, KARMADA_IMPERSONATOR],
    clusterRole: names.clusterRole,
    rules: RULES,
    labels: options.labels,
    tokenTimeoutMs: options.tokenTimeoutMs,
  });
  return {
    id: kubeSystem.metadata?.uid ?? '',
    cluster: tokens[names.serviceAccount]!,
    impersonator: tokens[KARMADA_IMPERSONATOR]!,
  };
}
