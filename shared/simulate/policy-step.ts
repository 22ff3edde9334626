/**
 * The one place the simulator calls the production policy: everything the world knows at one
 * tick of the virtual clock goes in, the capacity actions the runtime would take come out.
 * No decision is made here; this only adapts shapes.
 */
import type { BurstCluster } from '../domain/burst-cluster.ts';
import type { CapacityAction } from '../domain/capacity-plan.ts';
import type { CapacitySignal } from '../domain/capacity-signal.ts';
import { decideBurst } from '../domain/decide-burst.ts';
import { decideScaleDown } from '../domain/decide-scale-down.ts';
import { isLive } from '../domain/lifecycle.ts';
import type { LoadReport } from '../domain/load-report.ts';
import type { ProviderOffer } from '../domain/place.ts';
import type { Policy } from '../domain/policy.ts';

/** What the policy sees at one tick. */
export interface PolicyInput {
  /** The alert group's current signal (firing with its demand, or resolved), if it ever fired. */
  readonly signals: readonly CapacitySignal[];
  /** Every record of the simulated fleet, live and ended (cooldown reads ended ones). */
  readonly clusters: readonly BurstCluster[];
  readonly policy: Policy;
  readonly offers: readonly ProviderOffer[];
  /** Highest burst utilisation over the scale-down window, as the load driver reports it. */
  readonly load: LoadReport;
  readonly now: Date;
}

/** Which production functions drive the simulation (printed with the figures). */
export const POLICY_FUNCTIONS = 'decideBurst + decideScaleDown (shared/domain)';

/**
 * The actions production would take now: a burst for a firing signal (`decideBurst`, as
 * `handleSignal` admits it) and the drains of the scale-down pass (`decideScaleDown`).
 */
export function policyStep(input: PolicyInput): CapacityAction[] {
  const { policy, offers, now, clusters } = input;
  const actions: CapacityAction[] = [];
  const live = clusters.filter((c) => isLive(c.phase));
  for (const signal of input.signals) {
    if (signal.status !== 'firing') continue;
    // What admission reads: the live records plus every record of this signal.
    const seen = clusters.filter((c) => isLive(c.phase) || c.reason.signalKey === signal.signalKey);
    const decision = decideBurst({ signal, clusters: seen, policy, offers, now });
    if (decision.burst)
      actions.push({
        kind: 'create',
        provider: decision.provider,
        region: decision.region,
        nodes: decision.nodes,
        why: decision.why,
      });
  }
  const scaleDown = decideScaleDown(input.load, live, policy, now);
  for (const v of scaleDown.verdicts) if (v.drain) actions.push({ kind: 'drain', burstId: v.id, why: v.why });
  return actions;
}
