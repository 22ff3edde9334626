/**
 * A tiny fake of Karmada's cluster controllers, playing on a control-plane emulator in-process,
 * so the `karmada` driver meets the behaviour it must cope with:
 * - a new Cluster gets the finalizer `karmada.io/cluster-controller` and its execution
 *   namespace `karmada-es-<cluster>` (where Karmada keeps the Works);
 * - its Ready condition becomes True (ClusterReady) once the Secret named by secretRef exists
 *   and the member answers `/readyz` and `/api` with that Secret's token; ClusterNotReady
 *   without the Secret, ClusterNotReachable when the member does not answer;
 * - a deleted Cluster is held by the finalizer while the Works are released (`releaseDelayMs`),
 *   then the execution namespace goes and the finalizer is removed;
 * - propagation of workloads and Services to the members (karmada-propagation.ts).
 */

import { karmadaPropagation } from './karmada-propagation.ts';
import type { CrdDefinition, KubeEmulator, KubeObject } from './kube-emulator/index.ts';
import { crdManifest } from './kube-emulator/index.ts';
import {
  KARMADA_CLUSTER_SCHEMAS,
  KARMADA_PROPAGATION_POLICY_SCHEMAS,
  KARMADA_RESOURCE_BINDING_SCHEMAS,
  KARMADA_WORKLOAD_REBALANCER_SCHEMAS,
} from './kube-emulator/upstream-schemas/index.ts';

/** The Karmada Cluster CRD as the karmada-apiserver serves it. */
export const KARMADA_CLUSTER_CRD: CrdDefinition = {
  group: 'cluster.karmada.io',
  kind: 'Cluster',
  plural: 'clusters',
  scope: 'Cluster',
  versions: ['v1alpha1'],
  // The upstream schema: the emulator prunes what the real API server would drop.
  schemas: KARMADA_CLUSTER_SCHEMAS,
};

/** The placement CRDs as the karmada-apiserver serves them, with their upstream schemas. */
export const KARMADA_PLACEMENT_CRDS: readonly CrdDefinition[] = [
  {
    group: 'policy.karmada.io',
    kind: 'PropagationPolicy',
    plural: 'propagationpolicies',
    status: false,
    schemas: KARMADA_PROPAGATION_POLICY_SCHEMAS,
  },
  {
    group: 'work.karmada.io',
    kind: 'ResourceBinding',
    plural: 'resourcebindings',
    versions: ['v1alpha2', 'v1alpha1'],
    schemas: KARMADA_RESOURCE_BINDING_SCHEMAS,
  },
  {
    group: 'apps.karmada.io',
    kind: 'WorkloadRebalancer',
    plural: 'workloadrebalancers',
    scope: 'Cluster',
    schemas: KARMADA_WORKLOAD_REBALANCER_SCHEMAS,
  },
];

/** The finalizer Karmada's cluster controller holds on each Cluster. */
export const KARMADA_FINALIZER = 'karmada.io/cluster-controller';

/** Options of the fake controller. */
export interface KarmadaControllerOptions {
  /** Time the Works take to be released after a Cluster is deleted. @default 100 */
  readonly releaseDelayMs?: number;
  /** Interval of the health probes of members not ready yet. @default 50 */
  readonly probeIntervalMs?: number;
}

/** A running fake controller. */
export interface KarmadaController {
  stop(): void;
}

const CLUSTER = { apiVersion: 'cluster.karmada.io/v1alpha1', kind: 'Cluster' } as const;

interface ClusterSpec {
  apiEndpoint?: string;
  secretRef?: { namespace?: string; name?: string };
}

/** Starts the fake on `controlPlane` (installing the Cluster CRD if absent). */
export function startKarmadaController(
  controlPlane: KubeEmulator,
  options: KarmadaControllerOptions = {},
): KarmadaController {
  const releaseDelayMs = options.releaseDelayMs ?? 100;
  for (const d of [KARMADA_CLUSTER_CRD, ...KARMADA_PLACEMENT_CRDS]) {
    const crd = crdManifest(d);
    if (!controlPlane.get({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name! }))
      controlPlane.create(crd);
  }
  const propagation = karmadaPropagation(controlPlane);
  const timers = new Set<NodeJS.Timeout>();
  const releasing = new Set<string>();
  let stopped = false;
  const later = (ms: number, fn: () => void | Promise<void>) => {
    const t = setTimeout(() => {
      timers.delete(t);
      // A write that raced with the driver is simply tried again on the next event or tick.
      if (!stopped) void (async () => fn())().catch(() => undefined);
    }, ms);
    timers.add(t);
  };
  const execNamespace = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    name: `karmada-es-${name}`,
  });

  const release = (name: string) => {
    const ref = { ...CLUSTER, name };
    controlPlane.remove(execNamespace(name)); // Works go with it
    const current = controlPlane.get(ref);
    if (!current) return;
    const finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== KARMADA_FINALIZER);
    controlPlane.patch(ref, { metadata: { finalizers } });
    releasing.delete(name);
  };

  const adopt = (cluster: KubeObject) => {
    const name = cluster.metadata.name!;
    if (cluster.metadata.deletionTimestamp) {
      if (!releasing.has(name)) {
        releasing.add(name);
        later(releaseDelayMs, () => release(name));
      }
      return;
    }
    if (!cluster.metadata.finalizers?.includes(KARMADA_FINALIZER)) {
      controlPlane.patch(
        { ...CLUSTER, name },
        { metadata: { finalizers: [...(cluster.metadata.finalizers ?? []), KARMADA_FINALIZER] } },
      );
    }
    if (!controlPlane.get(execNamespace(name)))
      controlPlane.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `karmada-es-${name}` } });
  };

  const probe = async (cluster: KubeObject) => {
    const spec = (cluster.spec ?? {}) as ClusterSpec;
    const secret = controlPlane.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: spec.secretRef?.namespace,
      name: spec.secretRef?.name ?? '',
    });
    const token = (secret?.data as Record<string, string> | undefined)?.token;
    let condition = { status: 'False', reason: 'ClusterNotReady', message: 'cluster secret not found' };
    if (token && spec.apiEndpoint) {
      const headers = { authorization: `Bearer ${Buffer.from(token, 'base64').toString('utf8')}` };
      const ok = async (path: string) => {
        try {
          const res = await fetch(new URL(path, spec.apiEndpoint), {
            headers,
            signal: AbortSignal.timeout(1000),
          });
          await res.body?.cancel();
          return res.ok;
        } catch {
          return false;
        }
      };
      condition =
        (await ok('/readyz')) && (await ok('/api'))
          ? {
              status: 'True',
              reason: 'ClusterReady',
              message: 'cluster is healthy and ready to accept workloads',
            }
          : { status: 'False', reason: 'ClusterNotReachable', message: 'cluster is not reachable' };
    }
    const ref = { ...CLUSTER, name: cluster.metadata.name! };
    const now = controlPlane.get(ref);
    if (!now || now.metadata.deletionTimestamp) return;
    controlPlane.patch(
      ref,
      {
        status: {
          conditions: [{ type: 'Ready', ...condition, lastTransitionTime: new Date().toISOString() }],
        },
      },
      { subresource: 'status' },
    );
  };

  const unsubscribe = controlPlane.onChange((e) => {
    if (e.object.kind !== 'Cluster' || e.object.apiVersion !== CLUSTER.apiVersion || e.type === 'DELETED')
      return;
    const object = e.object;
    later(0, () => adopt(object));
  });
  const tick = async () => {
    const clusters = controlPlane.objects(CLUSTER);
    const notReady = clusters.filter((c) => {
      const conditions = ((c.status as { conditions?: { type: string; status: string }[] } | undefined)
        ?.conditions ?? []) as { type: string; status: string }[];
      return (
        !c.metadata.deletionTimestamp && !conditions.some((x) => x.type === 'Ready' && x.status === 'True')
      );
    });
    await Promise.allSettled(notReady.map(probe));
    // A write that raced with the driver is done again on the next tick.
    await propagation.tick().catch((e) => process.env.DEBUG_KARMADA && console.error(e));
    later(options.probeIntervalMs ?? 50, tick);
  };
  later(0, tick);
  return {
    stop() {
      stopped = true;
      unsubscribe();
      for (const t of timers) clearTimeout(t);
    },
  };
}
