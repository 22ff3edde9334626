/**
 * The one place the simulator calls the production policy: everything the world knows at one
 * tick of the virtual clock goes in, the capacity actions the runtime would take come out.
 * No decision is made here; this only composes the domain's functions the way the runtime's
 * signal handler and scale-down pass do (shared/core/handle-signal.ts, scale-down.ts).
 */
import { actualCluster, signalStates } from '../domain/actual-capacity.ts';
import type { BurstCluster } from '../domain/burst-cluster.ts';
import type { CapacityAction } from '../domain/capacity-plan.ts';
import type { CapacitySignal } from '../domain/capacity-signal.ts';
import { isLive } from '../domain/lifecycle.ts';
import type { DataTransfer, ProviderOffer } from '../domain/place.ts';
import { planCapacity } from '../domain/plan-capacity.ts';
import type { Policy } from '../domain/policy.ts';
import { type SignalState, wantedCapacity } from '../domain/wanted-capacity.ts';

/** What the policy sees at one tick. */
export interface PolicyInput {
  /** The notification Alertmanager delivers at this tick, if any. */
  readonly delivered?: CapacitySignal;
  /** Every record of the simulated fleet; they remember each signal's demand and resolution. */
  readonly clusters: readonly BurstCluster[];
  readonly policy: Policy;
  readonly offers: readonly ProviderOffer[];
  /** The services' data transfer, as the runtime prices it into placement. */
  readonly transfer?: DataTransfer;
  readonly now: Date;
}

/** Which production functions drive the simulation (printed with the figures). */
export const POLICY_FUNCTIONS = 'wantedCapacity + planCapacity (shared/domain)';

/**
 * The actions production would take now: the plan of wanted against actual capacity, with the
 * signals the records remember plus the one just delivered (a firing signal's demand counts at
 * once, as in handleSignal). Every tick is also a scale-down pass, which carries out the whole
 * plan; a signal's own pass carries out a part of the same plan, so one plan per tick is both.
 * Every simulated signal names its demand, so the load driver's veto on the way down (for
 * signals without one) does not apply.
 */
export function policyStep(input: PolicyInput): CapacityAction[] {
  const { policy, offers, transfer, now, delivered } = input;
  const extra: SignalState[] =
    delivered?.status === 'firing'
      ? [
          {
            signalKey: delivered.signalKey,
            status: 'firing',
            ...(delivered.demand !== undefined && { demand: delivered.demand }),
          },
        ]
      : [];
  const wanted = wantedCapacity({ signals: [...signalStates(input.clusters, now), ...extra], policy, now });
  const clusters = input.clusters.filter((c) => isLive(c.phase)).map((c) => actualCluster(c, now));
  return planCapacity({ wanted, clusters, policy, offers, ...(transfer && { transfer }), now });
}
