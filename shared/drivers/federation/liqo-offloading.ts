/**
 * Services on a Liqo burst: the burstable services' namespaces are offloaded with a
 * NamespaceOffloading (Liqo serves one per namespace, named `offloading`) whose clusterSelector
 * names the burst clusters' Liqo ids (`liqo.io/remote-cluster-id In [...]`, the label Liqo puts
 * on every virtual node). Several bursts share it: place adds its id, unplace removes it and
 * deletes the object with the last one, so pods reschedule at home. A NamespaceOffloading we did
 * not create is never changed. Replicas on the member are the pods the home scheduler bound to
 * the burst's virtual node.
 */
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { OWNER_LABEL } from '../../domain/names.ts';
import {
  type ServiceLabels,
  type ServiceOnMember,
  type ServiceSpec,
  workloadKey,
} from '../../domain/services.ts';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import { createIfAbsent, deleteIfPresent, kubeCall, readIfPresent } from '../kube/calls.ts';
import { isKubeFailure } from '../kube/errors.ts';
import { refuseForeign } from '../kube/owned.ts';
import type { Clients } from './liqo-calls.ts';
import { DRIVER } from './liqo-calls.ts';
import {
  LIQO,
  LIQO_LABELS,
  NAMESPACE_OFFLOADING,
  type NamespaceOffloading,
  NamespaceOffloadingSchema,
  parsed,
} from './liqo-objects.ts';

/** Home-cluster clients the offloading needs. */
export interface HomeWorkloads {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly apps: AppsV1Api;
}

/** Clients for the offloading, from the home kubeconfig. */
export function homeWorkloads(kc: KubeConfig): HomeWorkloads {
  return {
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    apps: kc.makeApiClient(AppsV1Api),
  };
}

/** The namespaces a set of services lives in (workloads and exposing Service). */
export function namespacesOf(services: readonly ServiceSpec[]): string[] {
  return [
    ...new Set(services.flatMap((s) => [...s.workloads.map((w) => w.namespace), s.expose.namespace])),
  ].sort();
}

const idsOf = (nso: NamespaceOffloading): string[] =>
  nso.spec.clusterSelector?.nodeSelectorTerms.flatMap((t) =>
    (t.matchExpressions ?? [])
      .filter((e) => e.key === LIQO_LABELS.remoteClusterId && e.operator === 'In')
      .flatMap((e) => e.values ?? []),
  ) ?? [];

const selectorFor = (ids: readonly string[]) => ({
  nodeSelectorTerms: [
    { matchExpressions: [{ key: LIQO_LABELS.remoteClusterId, operator: 'In', values: [...ids] }] },
  ],
});

/** Reads, changes and writes one namespace's NamespaceOffloading, again on a conflict. */
async function updateOffloading(
  home: HomeWorkloads,
  namespace: string,
  owner: string,
  change: (ids: string[]) => string[] | undefined,
  create: ((ids: string[]) => Record<string, unknown>) | undefined,
): Promise<void> {
  const what = `NamespaceOffloading ${namespace}/${NAMESPACE_OFFLOADING}`;
  const ref = { ...LIQO.namespaceOffloading, namespace, name: NAMESPACE_OFFLOADING };
  const raced = (e: unknown) => isKubeFailure(e, 409) || isKubeFailure(e, 404);
  await retry(
    async () => {
      const raw = await readIfPresent(DRIVER, what, () => home.custom.getNamespacedCustomObject(ref));
      if (raw === undefined) {
        if (!create) return;
        const ids = change([]);
        if (!ids?.length) return;
        const made = await createIfAbsent(DRIVER, what, () =>
          home.custom.createNamespacedCustomObject({ ...ref, body: create(ids) }),
        );
        if (!made) throw Object.assign(new Error('created meanwhile'), { code: 409 });
        return;
      }
      const nso = parsed(NamespaceOffloadingSchema, raw);
      if (!nso) throw new DriverError(DRIVER, `${what} is not a NamespaceOffloading`);
      // Placing on someone else's offloading is refused; taking a burst out of it has nothing to do.
      if (!create && nso.metadata.labels[OWNER_LABEL] !== owner) return;
      refuseForeign(DRIVER, what, nso.metadata.labels, owner);
      const ids = change(idsOf(nso));
      if (ids === undefined) return;
      if (ids.length === 0) {
        await deleteIfPresent(DRIVER, what, () => home.custom.deleteNamespacedCustomObject(ref));
        return;
      }
      const body = {
        ...(raw as Record<string, unknown>),
        spec: { ...nso.spec, clusterSelector: selectorFor(ids) },
      };
      await home.custom.replaceNamespacedCustomObject({ ...ref, body });
    },
    {
      attempts: 6,
      baseMs: 20,
      maxMs: 300,
      retryIf: (e) => raced(e) || (e as { code?: number }).code === 409,
    },
  ).catch((error: unknown) => {
    if (error instanceof DriverError) throw error;
    throw new DriverError(DRIVER, `updating ${what} kept conflicting`, { cause: error, retryable: true });
  });
}

/** Offloads every namespace of `services` to the burst cluster `burstId`. */
export async function offload(
  home: HomeWorkloads,
  owner: string,
  burstId: string,
  services: readonly ServiceSpec[],
  strategy: 'LocalAndRemote' | 'Local' | 'Remote',
): Promise<void> {
  for (const namespace of namespacesOf(services)) {
    await updateOffloading(
      home,
      namespace,
      owner,
      (ids) => (ids.includes(burstId) ? undefined : [...ids, burstId]),
      (ids) => ({
        apiVersion: 'offloading.liqo.io/v1beta1',
        kind: 'NamespaceOffloading',
        metadata: { name: NAMESPACE_OFFLOADING, namespace, labels: { [OWNER_LABEL]: owner } },
        spec: {
          namespaceMappingStrategy: 'DefaultName',
          podOffloadingStrategy: strategy,
          clusterSelector: selectorFor(ids),
        },
      }),
    );
  }
}

/** Takes the burst cluster `burstId` out of every namespace's offloading (the last one deletes it). */
export async function reclaim(
  home: HomeWorkloads,
  owner: string,
  burstId: string,
  services: readonly ServiceSpec[],
): Promise<void> {
  for (const namespace of namespacesOf(services))
    await updateOffloading(
      home,
      namespace,
      owner,
      (ids) => (ids.includes(burstId) ? ids.filter((i) => i !== burstId) : undefined),
      undefined,
    );
}

const isReady = (pod: V1Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** The pods of a service's workloads, with the replica count the workloads ask for. */
async function podsOf(
  home: HomeWorkloads,
  service: ServiceSpec,
): Promise<{ pods: V1Pod[]; desired: number }> {
  const pods: V1Pod[] = [];
  let desired = 0;
  for (const w of service.workloads) {
    const what = `${w.kind} ${w.namespace}/${w.name}`;
    const read = () =>
      w.kind === 'Deployment'
        ? home.apps.readNamespacedDeployment({ namespace: w.namespace, name: w.name })
        : home.apps.readNamespacedStatefulSet({ namespace: w.namespace, name: w.name });
    const workload = await readIfPresent(DRIVER, what, read);
    const match = workload?.spec?.selector?.matchLabels;
    if (!workload || !match || Object.keys(match).length === 0) continue;
    desired += workload.spec?.replicas ?? 1;
    const labelSelector = Object.entries(match)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const list = await kubeCall(DRIVER, `listing the pods of ${what}`, () =>
      home.core.listNamespacedPod({ namespace: w.namespace, labelSelector }),
    );
    pods.push(...list.items.filter((p) => !p.metadata?.deletionTimestamp));
  }
  return { pods, desired };
}

/** Where users reach the service: the home Service (in-cluster routing) or its reflection on the burst cluster. */
async function ingressOf(
  home: Clients,
  burst: Clients | undefined,
  service: ServiceSpec,
  inClusterRouting: boolean,
): Promise<{ ingress?: { host: string; port: number }; message: string }> {
  const { expose } = service;
  if (expose.kind !== 'Service') return { message: `Liqo reflects Services, not a ${expose.kind}` };
  if (inClusterRouting) {
    const svc = await readIfPresent(DRIVER, `Service ${expose.namespace}/${expose.name}`, () =>
      home.core.readNamespacedService({ namespace: expose.namespace, name: expose.name }),
    );
    const lb = svc?.status?.loadBalancer?.ingress?.[0];
    const host = lb?.ip ?? lb?.hostname ?? svc?.spec?.clusterIP;
    return host
      ? {
          ingress: { host, port: expose.port },
          message:
            "in-cluster routing: the home Service's address; Liqo reflects its endpoints to the pods on the virtual node",
        }
      : { message: `in-cluster routing: home Service ${expose.namespace}/${expose.name} has no address yet` };
  }
  const nso = parsed(
    NamespaceOffloadingSchema,
    await readIfPresent(DRIVER, `NamespaceOffloading ${expose.namespace}/${NAMESPACE_OFFLOADING}`, () =>
      home.custom.getNamespacedCustomObject({
        ...LIQO.namespaceOffloading,
        namespace: expose.namespace,
        name: NAMESPACE_OFFLOADING,
      }),
    ),
  );
  const remoteNs = nso?.status?.remoteNamespaceName;
  if (!remoteNs || !burst)
    return { message: `namespace ${expose.namespace} is not offloaded to the burst cluster yet` };
  const svc = await readIfPresent(DRIVER, `Service ${remoteNs}/${expose.name} in the burst cluster`, () =>
    burst.core.readNamespacedService({ namespace: remoteNs, name: expose.name }),
  );
  const lb = svc?.status?.loadBalancer?.ingress?.[0];
  const host = lb?.ip ?? lb?.hostname;
  return host
    ? {
        ingress: { host, port: expose.port },
        message: `Service ${expose.name} reflected to the burst cluster (${remoteNs})`,
      }
    : { message: `Service ${expose.name} reflected to the burst cluster has no load-balancer address yet` };
}

/** Per service: pods bound to the virtual node `node`, ready ones, and the ingress. */
export async function servicesOnMember(
  home: HomeWorkloads,
  burst: Clients | undefined,
  node: string | undefined,
  services: readonly ServiceSpec[],
  inClusterRouting: boolean,
): Promise<ServiceOnMember[]> {
  const out: ServiceOnMember[] = [];
  for (const service of services) {
    const { pods } = await podsOf(home, service);
    const onMember = node ? pods.filter((p) => p.spec?.nodeName === node) : [];
    const { ingress, message } = await ingressOf(home, burst, service, inClusterRouting);
    out.push({
      service: service.name,
      desiredReplicas: onMember.length,
      readyReplicas: onMember.filter(isReady).length,
      ...(ingress ? { ingress } : {}),
      message: node ? message : `no virtual node for the burst cluster yet; ${message}`,
    });
  }
  return out;
}

/** Whether every service is back home: its workloads' replicas ready on other nodes than `node`. */
export async function homeReady(
  home: HomeWorkloads,
  node: string | undefined,
  services: readonly ServiceSpec[],
): Promise<{ done: boolean; why: string }> {
  const waiting: string[] = [];
  for (const service of services) {
    const { pods, desired } = await podsOf(home, service);
    const remote = pods.filter((p) => node !== undefined && p.spec?.nodeName === node).length;
    const ready = pods.filter(
      (p) => p.spec?.nodeName !== undefined && p.spec.nodeName !== node && isReady(p),
    ).length;
    if (remote > 0 || ready < desired)
      waiting.push(
        `${service.name} (${ready}/${desired} ready at home${remote ? `, ${remote} still on the virtual node` : ''})`,
      );
  }
  return waiting.length === 0
    ? {
        done: true,
        why: `offloading removed; ${services.map((s) => s.name).join(', ') || 'no services'} ready at home`,
      }
    : { done: false, why: `offloading removed; waiting for ${waiting.join(', ')}` };
}

/** Labels of each service's namespaces and workloads on the home cluster (customer protection). */
export async function labelsOf(
  home: HomeWorkloads,
  services: readonly ServiceSpec[],
): Promise<ServiceLabels[]> {
  const out: ServiceLabels[] = [];
  for (const service of services) {
    const namespaceLabels: Record<string, Record<string, string>> = {};
    const workloadLabels: Record<string, Record<string, string>> = {};
    for (const ns of new Set(service.workloads.map((w) => w.namespace))) {
      const found = await readIfPresent(DRIVER, `namespace ${ns}`, () =>
        home.core.readNamespace({ name: ns }),
      );
      namespaceLabels[ns] = found?.metadata?.labels ?? {};
    }
    for (const w of service.workloads) {
      const read = () =>
        w.kind === 'Deployment'
          ? home.apps.readNamespacedDeployment({ namespace: w.namespace, name: w.name })
          : home.apps.readNamespacedStatefulSet({ namespace: w.namespace, name: w.name });
      const found = await readIfPresent(DRIVER, `${w.kind} ${w.namespace}/${w.name}`, read);
      workloadLabels[workloadKey(w)] = found?.metadata?.labels ?? {};
    }
    out.push({ service: service.name, namespaceLabels, workloadLabels });
  }
  return out;
}
