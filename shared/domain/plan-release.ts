import type { CapacityAction } from './capacity-plan.ts';
import type { ActualCluster, PlanInput } from './plan-capacity.ts';

/** Fewest nodes a shrink leaves: a cluster at it is drained whole instead. */
const FLOOR_NODES = 1;

/**
 * The way down of `planCapacity`: for each signal with more capacity than it wants, shrink node
 * pools (most expensive node first, youngest cluster first) before draining clusters, and drain
 * only a cluster already at the floor, so capacity goes back in steps like Cluster Autoscaler's
 * node removal. A cluster is released only when Active, not warm, not locked, not resizing,
 * older than the minimum lifetime, Active for the whole stabilisation window, no cluster was
 * added within the delay after add, and (with a billing period) in the last tenth of its paid
 * period. Wanted capacity itself already holds a resolved signal for the scale-down window.
 */
export function planRelease(
  input: PlanInput,
  live: readonly ActualCluster[],
  wantOf: (signalKey: string | undefined) => number,
): CapacityAction[] {
  const { policy, now } = input;
  const t = now.getTime();
  // A warm standby cluster adds no capacity, so its creation holds no scale-down back.
  const lastAdd = Math.max(0, ...live.filter((c) => !c.warm).map((c) => Date.parse(c.createdAt)));
  if (t - lastAdd < policy.scaleDownDelayAfterAddSeconds * 1000) return [];
  const actions: CapacityAction[] = [];
  const keys = [...new Set(live.filter((c) => !c.warm).map((c) => c.signalKey))];
  for (const key of keys) {
    const serving = live.filter(
      (c) =>
        c.signalKey === key &&
        !c.warm &&
        ['Requested', 'Provisioning', 'Ready', 'Joined', 'Active'].includes(c.phase),
    );
    let excess = serving.reduce((s, c) => s + c.nodes.desired, 0) - wantOf(key);
    if (excess <= 0) continue;
    const wanted = `${key ?? 'no signal'} wants ${wantOf(key)} node(s)`;
    const releasable = serving
      .filter((c) => releasableNow(c, input) === undefined)
      .sort(
        (a, b) => price(b) - price(a) || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id),
      );
    const shrunk = new Set<string>();
    for (const c of releasable) {
      if (excess <= 0) break;
      const cut = Math.min(excess, c.nodes.desired - FLOOR_NODES);
      if (cut <= 0) continue;
      shrunk.add(c.id);
      excess -= cut;
      const nodes = c.nodes.desired - cut;
      actions.push({
        kind: 'shrink',
        burstId: c.id,
        nodes,
        why: `${wanted}: shrink ${c.id} from ${c.nodes.desired} to ${nodes} node(s) before draining any cluster`,
      });
    }
    for (const c of releasable) {
      if (excess < c.nodes.desired || shrunk.has(c.id)) continue;
      excess -= c.nodes.desired;
      actions.push({
        kind: 'drain',
        burstId: c.id,
        why: `${wanted}: ${c.id} is down to ${c.nodes.desired} node(s) and not needed: drain it`,
      });
    }
  }
  return actions;
}

/** Why `c` may not be released now, or undefined when it may. */
export function releasableNow(
  c: ActualCluster,
  input: Pick<PlanInput, 'policy' | 'now'>,
): string | undefined {
  const { policy, now } = input;
  const t = now.getTime();
  if (c.phase !== 'Active') return `${c.phase}, not Active`;
  if (c.warm) return 'warm standby';
  if (c.locked) return c.locked;
  if (c.resizing) return 'a resize runs';
  const age = (t - Date.parse(c.createdAt)) / 1000;
  if (age < policy.minLifetimeSeconds)
    return `younger than the minimum lifetime (${policy.minLifetimeSeconds}s)`;
  const active = (t - Date.parse(c.activeSince ?? c.createdAt)) / 1000;
  if (active < policy.scaleDownWindowSeconds)
    return `Active for less than the ${policy.scaleDownWindowSeconds}s stabilisation window`;
  const period = policy.billingGranularitySeconds;
  if (period > 0) {
    const left = period - (age % period);
    if (left > period / 10) return `${Math.ceil(left)}s of its paid ${period}s billing period left`;
  }
  return undefined;
}

function price(c: ActualCluster): number {
  return c.costPerHour / Math.max(1, c.nodes.desired);
}
