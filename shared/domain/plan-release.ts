import type { CapacityAction } from './capacity-plan.ts';
import type { ActualCluster, PlanInput } from './plan-capacity.ts';

/** Fewest nodes a shrink leaves. */
const FLOOR_NODES = 1;

/**
 * The way down of `planCapacity`: for each signal with more capacity than it wants (most
 * expensive node first, youngest cluster first), shrink pools above the default step
 * (`nodesPerCluster`) towards it, then drain clusters at or below it that the excess covers
 * whole, then take what is left off the pools down to one node. A pool shrunk in a pass is not
 * drained in the same pass, so a grown burst shrinks before it drains, like Cluster
 * Autoscaler's node-by-node removal. A cluster is released only when Active, not warm, not locked, not resizing,
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
    const shrink = (c: ActualCluster, floor: number, before: string) => {
      const cut = Math.min(excess, c.nodes.desired - floor);
      if (cut <= 0 || shrunk.has(c.id)) return;
      shrunk.add(c.id);
      excess -= cut;
      const nodes = c.nodes.desired - cut;
      actions.push({
        kind: 'shrink',
        burstId: c.id,
        nodes,
        why: `${wanted}: shrink ${c.id} from ${c.nodes.desired} to ${nodes} node(s)${before}`,
      });
    };
    // 1. Pools above the default step shrink towards it before any cluster is drained.
    for (const c of releasable) {
      if (excess <= 0) break;
      shrink(c, Math.max(FLOOR_NODES, policy.nodesPerCluster), ' before draining any cluster');
    }
    // 2. A cluster at its base size that the excess covers whole is drained.
    for (const c of releasable) {
      if (shrunk.has(c.id) || excess < c.nodes.desired || c.nodes.desired > policy.nodesPerCluster) continue;
      excess -= c.nodes.desired;
      shrunk.add(c.id);
      actions.push({
        kind: 'drain',
        burstId: c.id,
        why: `${wanted}: ${c.id} is down to ${c.nodes.desired} node(s) and not needed: drain it`,
      });
    }
    // 3. What is left over comes off the pools, down to one node.
    for (const c of releasable) {
      if (excess <= 0) break;
      shrink(c, FLOOR_NODES, '');
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
