/**
 * A fake of Cluster API's controllers on a management-cluster emulator, in-process: a new
 * Cluster gets the finalizer `cluster.cluster.x-k8s.io` and moves Pending -> Provisioning ->
 * Provisioned with the v1beta2 `Available` condition; "provisioning" starts a member emulator
 * (with the garbage collector played), whose address becomes `spec.controlPlaneEndpoint` and
 * whose admin kubeconfig is written to the Secret `<cluster>-kubeconfig` (key `value`). A
 * deleted Cluster shows phase Deleting, then its member stops, the Secret goes and the
 * finalizer is released. Stopped members keep their objects, so tests can inspect them.
 *
 * Workers, as the topology controller and the MachineDeployment controller do them (Cluster API
 * book, "ClusterClass" and "MachineDeployment"; REFERENCE.md "Resizing"): a Provisioned Cluster
 * gets one MachineDeployment per `spec.topology.workers.machineDeployments[]` entry, labelled
 * `cluster.x-k8s.io/cluster-name` and `topology.cluster.x-k8s.io/deployment-name`, with
 * `spec.replicas` from the topology. A changed topology `replicas` is copied to the
 * MachineDeployment, whose `status.phase` is ScalingUp or ScalingDown until `scaleDelayMs`
 * passed, then Running with `readyReplicas` = replicas; after `failScaling` it ends Failed
 * instead, with a `MachinesReady` False condition carrying the infrastructure provider's words
 * and the old ready count.
 */

import type { CrdDefinition, KubeEmulator, KubeObject } from './kube-emulator/index.ts';
import { crdManifest, startKubeEmulator } from './kube-emulator/index.ts';
import { CAPI_CLUSTER_SCHEMAS } from './kube-emulator/upstream-schemas/index.ts';
import { startGarbageCollector } from './kube-gc.ts';

/** Cluster API's Cluster CRD (v1beta2 served and stored; v1beta1 still served). */
export const CAPI_CLUSTER_CRD: CrdDefinition = {
  group: 'cluster.x-k8s.io',
  kind: 'Cluster',
  plural: 'clusters',
  versions: ['v1beta2', 'v1beta1'],
  // The upstream schema: the emulator prunes what the real API server would drop.
  schemas: CAPI_CLUSTER_SCHEMAS,
};

/** Cluster API's MachineDeployment CRD. */
export const CAPI_MACHINE_DEPLOYMENT_CRD: CrdDefinition = {
  group: 'cluster.x-k8s.io',
  kind: 'MachineDeployment',
  plural: 'machinedeployments',
  versions: ['v1beta2', 'v1beta1'],
};

/** The finalizer Cluster API holds while it tears a cluster down. */
export const CAPI_FINALIZER = 'cluster.cluster.x-k8s.io';

/** Options of the fake. */
export interface CapiControllerOptions {
  /** Time from Pending to Provisioned. @default 100 */
  readonly provisionDelayMs?: number;
  /** Time a deleted cluster spends in Deleting. @default 100 */
  readonly deleteDelayMs?: number;
  /** Time a MachineDeployment takes to reach new replicas. @default 100 */
  readonly scaleDelayMs?: number;
  /**
   * Run each workload cluster's member-side controllers (workload status, LoadBalancer Services
   * on their own loopback addresses), so services the federation places there can be served.
   */
  readonly memberControllers?: boolean;
}

/** A running fake. */
export interface CapiController {
  /** The member emulator of each cluster provisioned so far (stopped once deleted). */
  readonly members: ReadonlyMap<string, KubeEmulator>;
  /** Makes a cluster fail, as an infrastructure provider would report it. */
  fail(name: string, message: string): void;
  /** Makes every scaling of the cluster's workers from now on fail with the infrastructure provider's words. */
  failScaling(name: string, message: string): void;
  /** Scalings started per cluster (a topology replicas change the controller acted on). */
  readonly scalings: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

const CLUSTER = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster' } as const;
const MACHINE_DEPLOYMENT = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment' } as const;

type Json = Parameters<KubeEmulator['patch']>[1];

/** Starts the fake on `management` (installing the Cluster CRD if absent). */
export function startCapiController(
  management: KubeEmulator,
  options: CapiControllerOptions = {},
): CapiController {
  const provisionDelayMs = options.provisionDelayMs ?? 100;
  for (const definition of [CAPI_CLUSTER_CRD, CAPI_MACHINE_DEPLOYMENT_CRD]) {
    const crd = crdManifest(definition);
    if (!management.get({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name! }))
      management.create(crd);
  }
  const scaleDelayMs = options.scaleDelayMs ?? 100;
  const scalings = new Map<string, number>();
  const scalingFailures = new Map<string, string>();
  const members = new Map<string, KubeEmulator>();
  const collectors: (() => void)[] = [];
  const seen = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const later = (ms: number, fn: () => void | Promise<void>) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) void (async () => fn())().catch(() => undefined);
    }, ms);
    timers.add(t);
  };
  const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  const refOf = (namespace: string | undefined, name: string) => ({ ...CLUSTER, namespace, name });
  const setStatus = (namespace: string | undefined, name: string, status: { [key: string]: Json }) => {
    const ref = refOf(namespace, name);
    if (management.get(ref)) management.patch(ref, { status }, { subresource: 'status' });
  };
  const available = (status: 'True' | 'False', reason: string, message = '') => ({
    conditions: [
      { type: 'Available', status, reason, message, lastTransitionTime: new Date().toISOString() },
    ],
  });

  const provision = async (namespace: string | undefined, name: string) => {
    setStatus(namespace, name, { phase: 'Provisioning', ...available('False', 'Provisioning') });
    const member = await startKubeEmulator({
      name,
      ...(options.memberControllers && { memberControllers: { clusterName: name, readyAfterMs: 50 } }),
    });
    members.set(name, member);
    collectors.push(startGarbageCollector(member));
    later(provisionDelayMs / 2, () => {
      const ref = refOf(namespace, name);
      const current = management.get(ref);
      if (!current || current.metadata.deletionTimestamp) return;
      if ((current.status as { phase?: string } | undefined)?.phase === 'Failed') return;
      management.patch(ref, {
        spec: { controlPlaneEndpoint: { host: '127.0.0.1', port: Number(new URL(member.url).port) } },
      });
      management.create({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'cluster.x-k8s.io/secret',
        metadata: {
          name: `${name}-kubeconfig`,
          namespace,
          labels: { 'cluster.x-k8s.io/cluster-name': name },
        },
        data: { value: Buffer.from(member.kubeconfig).toString('base64') },
      });
      setStatus(namespace, name, { phase: 'Provisioned', ...available('True', 'Available') });
      for (const worker of topologyWorkers(management.get(ref))) {
        management.create({
          ...MACHINE_DEPLOYMENT,
          metadata: {
            name: `${name}-${worker.name}`,
            namespace,
            labels: {
              'cluster.x-k8s.io/cluster-name': name,
              'topology.cluster.x-k8s.io/deployment-name': worker.name,
            },
          },
          spec: { clusterName: name, replicas: worker.replicas },
        });
        const mdRef = { ...MACHINE_DEPLOYMENT, namespace, name: `${name}-${worker.name}` };
        management.patch(
          mdRef,
          {
            status: {
              phase: 'Running',
              replicas: worker.replicas,
              readyReplicas: worker.replicas,
              conditions: [],
            },
          },
          { subresource: 'status' },
        );
      }
    });
  };

  /** Copy changed topology replicas to the MachineDeployments and let them scale. */
  const scale = (cluster: KubeObject) => {
    const { namespace, name = '' } = cluster.metadata;
    for (const worker of topologyWorkers(cluster)) {
      const mdRef = { ...MACHINE_DEPLOYMENT, namespace, name: `${name}-${worker.name}` };
      const md = management.get(mdRef);
      const spec = md?.spec as { replicas?: number } | undefined;
      if (!md || spec?.replicas === worker.replicas) continue;
      const before = (md.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0;
      scalings.set(name, (scalings.get(name) ?? 0) + 1);
      management.patch(mdRef, { spec: { replicas: worker.replicas } });
      const phase = worker.replicas > before ? 'ScalingUp' : 'ScalingDown';
      management.patch(mdRef, { status: { phase, replicas: worker.replicas } }, { subresource: 'status' });
      later(scaleDelayMs, () => {
        const now = management.get(mdRef);
        if (!now || (now.spec as { replicas?: number }).replicas !== worker.replicas) return;
        const failure = scalingFailures.get(name);
        const status = failure
          ? {
              phase: 'Failed',
              readyReplicas: before,
              conditions: [
                {
                  type: 'MachinesReady',
                  status: 'False',
                  reason: 'NotReady',
                  message: failure,
                  lastTransitionTime: new Date().toISOString(),
                },
              ],
            }
          : { phase: 'Running', readyReplicas: worker.replicas, conditions: [] };
        management.patch(mdRef, { status }, { subresource: 'status' });
      });
    }
  };
  const unsubscribeScaling = management.onChange((e) => {
    if (
      e.type !== 'MODIFIED' ||
      e.object.kind !== 'Cluster' ||
      !e.object.apiVersion.startsWith('cluster.x-k8s.io/')
    )
      return;
    const { namespace, name = '' } = e.object.metadata;
    // Out of the listener, as the other reactions: the store is still emitting.
    later(0, () => {
      const current = management.get(refOf(namespace, name));
      if (current && !current.metadata.deletionTimestamp) scale(current);
    });
  });

  const teardown = async (namespace: string | undefined, name: string) => {
    await members.get(name)?.stop();
    management.remove({ apiVersion: 'v1', kind: 'Secret', namespace, name: `${name}-kubeconfig` });
    const current = management.get(refOf(namespace, name));
    if (!current) return;
    const finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== CAPI_FINALIZER);
    management.patch(refOf(namespace, name), { metadata: { finalizers } });
  };

  const unsubscribe = management.onChange((e) => {
    if (
      e.object.kind !== 'Cluster' ||
      !e.object.apiVersion.startsWith('cluster.x-k8s.io/') ||
      e.type === 'DELETED'
    )
      return;
    const { namespace, name = '' } = e.object.metadata;
    const k = key(e.object);
    if (e.object.metadata.deletionTimestamp) {
      if (seen.has(`deleting:${k}`)) return;
      seen.add(`deleting:${k}`);
      later(0, () => setStatus(namespace, name, { phase: 'Deleting' }));
      later(options.deleteDelayMs ?? 100, () => teardown(namespace, name));
      return;
    }
    if (seen.has(k)) return;
    seen.add(k);
    later(0, () => {
      management.patch(refOf(namespace, name), {
        metadata: { finalizers: [...(e.object.metadata.finalizers ?? []), CAPI_FINALIZER] },
      });
      setStatus(namespace, name, { phase: 'Pending', ...available('False', 'WaitingForInfrastructure') });
      later(provisionDelayMs / 2, () => provision(namespace, name));
    });
  });

  return {
    members,
    fail(name, message) {
      const cluster = management.objects(CLUSTER).find((c) => c.metadata.name === name);
      if (cluster)
        setStatus(cluster.metadata.namespace, name, {
          phase: 'Failed',
          ...available('False', 'Failed', message),
        });
    },
    scalings,
    failScaling(name, message) {
      scalingFailures.set(name, message);
    },
    async stop() {
      stopped = true;
      unsubscribe();
      unsubscribeScaling();
      for (const t of timers) clearTimeout(t);
      for (const c of collectors) c();
      await Promise.all([...members.values()].map((m) => m.stop().catch(() => undefined)));
    },
  };
}

/** The worker topologies of a Cluster, with their replicas (0 when left out). */
function topologyWorkers(cluster: KubeObject | undefined): { name: string; replicas: number }[] {
  const spec = cluster?.spec as
    | { topology?: { workers?: { machineDeployments?: { name?: string; replicas?: number }[] } } }
    | undefined;
  return (spec?.topology?.workers?.machineDeployments ?? []).flatMap((md) =>
    md.name ? [{ name: md.name, replicas: md.replicas ?? 0 }] : [],
  );
}
