/**
 * The replica division of the emulated Karmada scheduler (pure): which clusters a binding's
 * placement admits, their static weights, and the Divided/Weighted assignment that keeps existing
 * assignments unless a reschedule was asked for (karmada pkg/scheduler/core, "assignReplicas":
 * static weights; scale-up adds only the difference; a WorkloadRebalancer's
 * `rescheduleTriggeredAt` asks for a fresh division).
 */
import { type LabelSelector, selects } from '../../shared/drivers/kube/label-selector.ts';

/** A cluster as the scheduler sees it. */
export interface SchedCluster {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ready: boolean;
  /** Carries a NoSchedule or NoExecute taint: takes no new replicas (existing ones stay). */
  readonly unschedulable: boolean;
}

interface Affinity {
  readonly clusterNames?: readonly string[];
  readonly exclude?: readonly string[];
  readonly labelSelector?: LabelSelector;
}

/** The parts of `placement` the emulated scheduler honours. */
export interface Placement {
  readonly clusterAffinity?: Affinity;
  readonly replicaScheduling?: {
    readonly replicaSchedulingType?: string;
    readonly weightPreference?: {
      readonly staticWeightList?: readonly { readonly targetCluster: Affinity; readonly weight: number }[];
    };
  };
}

/** A binding's assignment. */
export type Assignment = { name: string; replicas: number }[];

/** Whether `cluster` satisfies an affinity: names, label selector and exclusions all hold (ANDed). */
export function affinityMatches(affinity: Affinity | undefined, cluster: SchedCluster): boolean {
  if (!affinity) return true;
  if (affinity.exclude?.includes(cluster.name)) return false;
  if (affinity.clusterNames?.length && !affinity.clusterNames.includes(cluster.name)) return false;
  return !affinity.labelSelector || selects(affinity.labelSelector, cluster.labels);
}

/** Splits `total` by `weights` (largest remainder, then heavier, then name order). */
export function divide(total: number, weights: ReadonlyMap<string, number>): Map<string, number> {
  const sum = [...weights.values()].reduce((a, b) => a + b, 0);
  const out = new Map<string, number>();
  if (sum === 0 || total <= 0) return out;
  const shares = [...weights].map(([name, w]) => ({ name, w, exact: (total * w) / sum }));
  for (const s of shares) out.set(s.name, Math.floor(s.exact));
  let left = total - [...out.values()].reduce((a, b) => a + b, 0);
  const order = [...shares].sort(
    (a, b) =>
      b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)) ||
      b.w - a.w ||
      (a.name < b.name ? -1 : 1),
  );
  for (const s of order) {
    if (left-- <= 0) break;
    out.set(s.name, (out.get(s.name) ?? 0) + 1);
  }
  return out;
}

/**
 * The new assignment of a binding of `replicas` (0: a resource without replicas, sent to every
 * admitted cluster), given the current one; `fresh` divides anew (a rebalance).
 */
export function schedule(
  placement: Placement,
  replicas: number,
  clusters: readonly SchedCluster[],
  current: Assignment,
  fresh: boolean,
): Assignment {
  const admitted = clusters.filter((c) => c.ready && affinityMatches(placement.clusterAffinity, c));
  const assigned = new Set(current.map((c) => c.name));
  // New replicas go only where there is no NoSchedule taint; assigned clusters keep theirs.
  const open = admitted.filter((c) => !c.unschedulable);
  const sorted = (a: Assignment) =>
    a.filter((c) => c.replicas > 0 || replicas === 0).sort((x, y) => (x.name < y.name ? -1 : 1));
  if (replicas === 0 || placement.replicaScheduling?.replicaSchedulingType !== 'Divided') {
    const names = admitted.filter((c) => !c.unschedulable || assigned.has(c.name)).map((c) => c.name);
    return sorted(names.map((name) => ({ name, replicas })));
  }
  const weights = new Map<string, number>();
  for (const c of open) {
    const matching = (placement.replicaScheduling.weightPreference?.staticWeightList ?? [])
      .filter((w) => affinityMatches(w.targetCluster, c))
      .map((w) => w.weight);
    weights.set(c.name, matching.length ? Math.max(...matching) : 0);
  }
  if ([...weights.values()].every((w) => w === 0)) for (const k of weights.keys()) weights.set(k, 1);
  const kept = current.filter((a) => admitted.some((c) => c.name === a.name));
  const keptTotal = kept.reduce((s, a) => s + a.replicas, 0);
  if (fresh || keptTotal > replicas) {
    return sorted([...divide(replicas, weights)].map(([name, r]) => ({ name, replicas: r })));
  }
  const extra = divide(replicas - keptTotal, weights);
  const merged = new Map(kept.map((a) => [a.name, a.replicas]));
  for (const [name, r] of extra) merged.set(name, (merged.get(name) ?? 0) + r);
  return sorted([...merged].map(([name, r]) => ({ name, replicas: r })));
}
