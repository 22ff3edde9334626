/**
 * Not Liqo: the Deployment and StatefulSet controllers, the kube-scheduler and the kubelets, as
 * far as the Liqo emulation needs them for pods to land on the home node or on a virtual node
 * (test/support/liqo-controller.ts calls it every tick).
 */
import type { KubeEmulator, KubeObject } from './kube-emulator/index.ts';

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** The home cluster's own (one) node. */
export const HOME_NODE = 'home-node-1';

/** What the scheduler asks of the Liqo emulation. */
export interface SchedulingContext {
  readonly h: KubeEmulator;
  /** Virtual nodes a namespace's offloading lets its pods go to, and its strategy. */
  readonly allowedVirtualNodes: (namespace: string) => { nodes: string[]; strategy: string };
  /** Pods the home node holds. */
  readonly homePods: () => number;
  /** A pod left a virtual node (its namespace is no longer offloaded there). */
  readonly reclaimed: () => void;
  readonly readyMs: number;
  readonly status: (e: KubeEmulator, o: KubeObject, s: Obj) => void;
}

/** One pass: keep replicas, evict pods from virtual nodes no longer allowed, bind pending pods. */
export function scheduleWorkloads(ctx: SchedulingContext): void {
  const { h, allowedVirtualNodes, readyMs, status } = ctx;
  const homePods = ctx.homePods();
  const ref = (o: KubeObject) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name ?? '',
  });
  const pods = h.objects({ apiVersion: 'v1', kind: 'Pod' });
  const virtual = new Set(
    h
      .objects({ apiVersion: 'v1', kind: 'Node', labelSelector: 'liqo.io/type=virtual-node' })
      .map((n) => n.metadata.name),
  );
  for (const pod of pods) {
    const node = String(rec(pod.spec).nodeName ?? '');
    // A pod on a virtual node its namespace no longer offloads to (or that is gone) is evicted: it reschedules.
    if (virtual.has(node) || (node && node !== HOME_NODE)) {
      if (!allowedVirtualNodes(pod.metadata.namespace ?? '').nodes.includes(node)) {
        h.remove(ref(pod));
        ctx.reclaimed();
      }
    }
  }
  let homeUsed = h
    .objects({ apiVersion: 'v1', kind: 'Pod' })
    .filter((p) => rec(p.spec).nodeName === HOME_NODE).length;
  const controllers = [
    ...h.objects({ apiVersion: 'apps/v1', kind: 'Deployment' }),
    ...h.objects({ apiVersion: 'apps/v1', kind: 'StatefulSet' }),
  ];
  for (const d of controllers) {
    const ns = d.metadata.namespace ?? '';
    const spec = rec(d.spec);
    const match = rec(rec(spec.selector).matchLabels) as Record<string, string>;
    const replicas = Number(spec.replicas ?? 1);
    const mine = h
      .objects({ apiVersion: 'v1', kind: 'Pod', namespace: ns })
      .filter((p) => Object.entries(match).every(([k, v]) => rec(p.metadata.labels)[k] === v));
    for (let i = mine.length; i < replicas; i++)
      h.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { generateName: `${d.metadata.name}-`, namespace: ns, labels: match },
        spec: {},
      });
    const { nodes, strategy } = allowedVirtualNodes(ns);
    const schedulable = nodes.filter(
      (n) => !rec(h.get({ apiVersion: 'v1', kind: 'Node', name: n })?.spec).unschedulable,
    );
    for (const p of h.objects({ apiVersion: 'v1', kind: 'Pod', namespace: ns })) {
      if (!Object.entries(match).every(([k, v]) => rec(p.metadata.labels)[k] === v)) continue;
      if (!rec(p.spec).nodeName) {
        let node: string | undefined;
        if (strategy !== 'Remote' && homeUsed < homePods) node = HOME_NODE;
        else if (strategy !== 'Local') node = schedulable[0];
        if (!node) continue; // Pending
        if (node === HOME_NODE) homeUsed++;
        h.patch(ref(p), { spec: { nodeName: node } });
        const scheduled = ref(p);
        setTimeout(() => {
          try {
            h.patch(
              scheduled,
              { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
              { subresource: 'status' },
            );
          } catch {
            // evicted meanwhile
          }
        }, readyMs);
      }
    }
    const ready = h
      .objects({ apiVersion: 'v1', kind: 'Pod', namespace: ns })
      .filter((p) =>
        ((rec(p.status).conditions ?? []) as Obj[]).some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
    status(h, d, { replicas, readyReplicas: ready });
  }
}
