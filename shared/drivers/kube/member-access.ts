import {
  CoreV1Api,
  type KubeConfig,
  RbacAuthorizationV1Api,
  type V1ClusterRole,
  type V1OwnerReference,
  type V1PolicyRule,
  type V1Secret,
} from '@kubernetes/client-node';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import { createIfAbsent, kubeCall, readIfPresent } from './calls.ts';
import { driverError, isKubeFailure } from './errors.ts';

/** The service-account access a federation control plane gets in a member cluster. */
export interface MemberAccessSpec {
  /** Namespace of the service accounts; created when absent (and then owned, see below). */
  readonly namespace: string;
  /** Service accounts, each with an explicit token Secret of the same name; the first is bound. */
  readonly serviceAccounts: readonly [string, ...string[]];
  /** Name of the ClusterRole and of its ClusterRoleBinding to the first service account. */
  readonly clusterRole: string;
  readonly rules: readonly V1PolicyRule[];
  /** Labels on everything created (owner and burst id among them). */
  readonly labels: Readonly<Record<string, string>>;
  /** Bound on the wait for the token controller to fill the token Secrets. */
  readonly tokenTimeoutMs: number;
}

/** A service account's token and the member's CA, base64 as they are in the Secret's data. */
export interface ServiceAccountToken {
  readonly token: string;
  readonly caCrt: string;
}

const TOKEN_TYPE = 'kubernetes.io/service-account-token';

/**
 * Grants access in the member with its admin credentials, as `karmadactl join` and `kubefedctl
 * join` do: the ClusterRole first, then the namespace, service accounts, explicit token Secrets
 * (Kubernetes >= 1.24 creates none) and the binding. Everything but the ClusterRole carries an
 * ownerReference to it, so deleting that one object later — which the bound service account may
 * still do, being authorized when the request starts — lets the garbage collector remove the
 * rest (a namespace that existed before is left alone). Idempotent: existing objects are kept.
 * Returns each service account's token, waiting (bounded) for the token controller.
 */
export async function grantMemberAccess(
  driver: string,
  kc: KubeConfig,
  spec: MemberAccessSpec,
): Promise<Record<string, ServiceAccountToken>> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const labels = { ...spec.labels };
  const role: V1ClusterRole =
    (await createIfAbsent(driver, `ClusterRole ${spec.clusterRole} in the member`, () =>
      rbac.createClusterRole({
        body: { metadata: { name: spec.clusterRole, labels }, rules: [...spec.rules] },
      }),
    )) ??
    (await kubeCall(driver, `reading ClusterRole ${spec.clusterRole} in the member`, () =>
      rbac.readClusterRole({ name: spec.clusterRole }),
    ));
  const ownerReferences: V1OwnerReference[] = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      name: spec.clusterRole,
      uid: role.metadata?.uid ?? '',
    },
  ];
  const meta = (name: string) => ({ name, labels, ownerReferences });
  await createIfAbsent(driver, `namespace ${spec.namespace} in the member`, () =>
    core.createNamespace({ body: { metadata: meta(spec.namespace) } }),
  );
  const { namespace } = spec;
  for (const sa of spec.serviceAccounts) {
    await createIfAbsent(driver, `ServiceAccount ${namespace}/${sa} in the member`, () =>
      core.createNamespacedServiceAccount({ namespace, body: { metadata: meta(sa) } }),
    );
    await createIfAbsent(driver, `token Secret ${namespace}/${sa} in the member`, () =>
      core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { ...meta(sa), annotations: { 'kubernetes.io/service-account.name': sa } },
          type: TOKEN_TYPE,
        },
      }),
    );
  }
  await createIfAbsent(driver, `ClusterRoleBinding ${spec.clusterRole} in the member`, () =>
    rbac.createClusterRoleBinding({
      body: {
        metadata: meta(spec.clusterRole),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: spec.clusterRole },
        subjects: [{ kind: 'ServiceAccount', name: spec.serviceAccounts[0], namespace }],
      },
    }),
  );
  return waitForTokens(driver, core, namespace, spec.serviceAccounts, spec.tokenTimeoutMs);
}

/** Polls the token Secrets until the token controller has filled every one, within the bound. */
async function waitForTokens(
  driver: string,
  core: CoreV1Api,
  namespace: string,
  names: readonly string[],
  timeoutMs: number,
): Promise<Record<string, ServiceAccountToken>> {
  const found: Record<string, ServiceAccountToken> = {};
  const unfilled = () => names.filter((n) => !found[n]);
  const notYet = new Error('token Secrets not filled yet');
  try {
    await retry(
      async () => {
        for (const name of unfilled()) {
          const secret: V1Secret | undefined = await readIfPresent(
            driver,
            `token Secret ${namespace}/${name} in the member`,
            () => core.readNamespacedSecret({ namespace, name }),
          );
          const token = secret?.data?.token;
          const caCrt = secret?.data?.['ca.crt'];
          if (token && caCrt) found[name] = { token, caCrt };
        }
        if (unfilled().length > 0) throw notYet;
      },
      {
        attempts: Number.POSITIVE_INFINITY,
        baseMs: 100,
        maxMs: 1000,
        maxElapsedMs: timeoutMs,
        retryIf: (e) => e === notYet,
      },
    );
  } catch (error) {
    if (error !== notYet) throw error;
    throw new DriverError(
      driver,
      `token Secrets ${unfilled().join(', ')} in the member were not filled within ${timeoutMs} ms (is the token controller running?)`,
      { retryable: true },
    );
  }
  return found;
}

/**
 * Revokes what `grantMemberAccess` created, with the federation's own service-account token
 * (the member's admin credentials are not kept): one DELETE of the ClusterRole, background
 * propagation, and the garbage collector removes the binding, service accounts, token Secrets
 * and the namespace if it was ours. 401 or 403 mean the token's account or role is already
 * gone, so there is nothing left this token could remove.
 */
export async function revokeMemberAccess(driver: string, kc: KubeConfig, clusterRole: string): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  try {
    await rbac.deleteClusterRole({ name: clusterRole, propagationPolicy: 'Background' });
  } catch (error) {
    if (isKubeFailure(error, 404) || isKubeFailure(error, 401) || isKubeFailure(error, 403)) return;
    throw driverError(driver, `deleting ClusterRole ${clusterRole} in the member`, error);
  }
}
