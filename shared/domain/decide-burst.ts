import type { BurstCluster } from './burst-cluster.ts';
import type { CapacitySignal } from './capacity-signal.ts';
import { isLive } from './lifecycle.ts';
import { type DataTransfer, type ProviderOffer, place } from './place.ts';
import type { Policy } from './policy.ts';

/** The outcome of `decideBurst`. */
export type BurstDecision =
  | {
      readonly burst: true;
      readonly provider: string;
      readonly region: string;
      readonly nodes: number;
      readonly costPerHour: number;
      readonly why: string;
    }
  | { readonly burst: false; readonly why: string; readonly duplicateOf?: string };

/** Everything `decideBurst` looks at. */
export interface BurstContext {
  readonly signal: CapacitySignal;
  /**
   * The live records plus every stored record of this signal, live or ended (duplicates and
   * cooldown look at the signal's; max clusters, placement and the budget at the live ones).
   */
  readonly clusters: readonly BurstCluster[];
  readonly policy: Policy;
  readonly offers: readonly ProviderOffer[];
  /** The services' data transfer: priced into placement, its locality preferred. */
  readonly transfer?: DataTransfer;
  readonly now: Date;
  /** Providers that just failed with a quota error for this signal. */
  readonly exclude?: readonly string[];
  /**
   * Id of a burst this one replaces (after a quota error): it, and every burst it replaced in
   * turn, is neither a duplicate nor in cooldown, and its capacity and cost count as released.
   */
  readonly replaces?: string;
}

/**
 * The ids of a quota fallback chain ending at `last`: it, the burst it replaced, and so on back
 * to the first. A third provider is tried only if the first burst of the chain is not mistaken
 * for a duplicate of it.
 */
export function replacementChain(clusters: readonly BurstCluster[], last: string): Set<string> {
  const byId = new Map(clusters.map((c) => [c.id, c]));
  const chain = new Set<string>();
  for (let id: string | undefined = last; id !== undefined && !chain.has(id); id = byId.get(id)?.replaces) {
    chain.add(id);
  }
  return chain;
}

/**
 * Burst or not, where and how big, with the why. Refuses a signal that is not firing, a signal
 * already served by a live burst (duplicates), one inside its cooldown, and anything past max
 * clusters or the hourly budget.
 */
export function decideBurst(ctx: BurstContext): BurstDecision {
  const { signal, policy, now } = ctx;
  const chain = ctx.replaces ? replacementChain(ctx.clusters, ctx.replaces) : new Set<string>();
  const clusters = ctx.clusters.filter((c) => !chain.has(c.id));
  if (signal.status === 'ignored') return { burst: false, why: signal.why ?? 'signal needs no action' };
  if (signal.status === 'resolved') {
    return { burst: false, why: 'signal resolved: scale-down decides when the load stays low' };
  }
  const live = clusters.filter((c) => isLive(c.phase));
  const same = live.find((c) => c.reason.signalKey === signal.signalKey);
  if (same) {
    return {
      burst: false,
      duplicateOf: same.id,
      why: `signal already served by burst ${same.id} (${same.phase})`,
    };
  }
  const cooldownStart = now.getTime() - policy.cooldownSeconds * 1000;
  const recent = clusters.find(
    (c) => c.reason.signalKey === signal.signalKey && Date.parse(c.createdAt) > cooldownStart,
  );
  if (recent) {
    return {
      burst: false,
      duplicateOf: recent.id,
      why: `signal burst ${recent.id} less than ${policy.cooldownSeconds}s ago (cooldown)`,
    };
  }
  if (live.length >= policy.maxClusters) {
    return { burst: false, why: `max clusters reached (${live.length} of ${policy.maxClusters} live)` };
  }
  const asked = signal.hints?.nodes ?? policy.nodesPerCluster;
  const nodes = Math.max(1, Math.min(asked, policy.maxNodesPerCluster));
  const liveByProvider: Record<string, number> = {};
  for (const c of live) liveByProvider[c.provider] = (liveByProvider[c.provider] ?? 0) + 1;
  const placement = place(ctx.offers, {
    nodes,
    provider: signal.hints?.provider,
    region: signal.hints?.region,
    liveByProvider,
    exclude: ctx.exclude,
    ...(ctx.transfer && { transfer: ctx.transfer }),
  });
  if (!placement.ok) return { burst: false, why: placement.why };
  const spent = live.reduce((sum, c) => sum + c.costPerHour, 0);
  if (spent + placement.costPerHour > policy.hourlyBudget) {
    return {
      burst: false,
      why: `hourly budget ${policy.hourlyBudget} would be exceeded (${round(spent)} running + ${placement.costPerHour} for ${nodes} nodes on ${placement.provider})`,
    };
  }
  const sized = asked === nodes ? `${nodes} nodes` : `${nodes} nodes (asked ${asked}, clamped)`;
  return {
    burst: true,
    provider: placement.provider,
    region: placement.region,
    nodes,
    costPerHour: placement.costPerHour,
    why: `${signal.source} signal firing: ${signal.summary}; ${sized}; ${placement.why}`,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
