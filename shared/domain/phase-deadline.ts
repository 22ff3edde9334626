import { type BurstCluster, phaseEnteredAt } from './burst-cluster.ts';
import type { Phase } from './lifecycle.ts';
import type { Policy } from './policy.ts';

/** Seconds the burst has spent in its current phase at `now`. */
export function secondsInPhase(record: BurstCluster, now: Date): number {
  return (now.getTime() - Date.parse(phaseEnteredAt(record))) / 1000;
}

/**
 * The longest a burst may wait in `phase` for the outside world before the wait is given up:
 * the provisioning deadline (the provider's own, if it has one) for Requested and Provisioning,
 * the join and route deadlines for Ready and Joined, the leave deadline for Leaving. Undefined
 * for Active (it ends by scale-down, TTL or delete), Draining (bounded by the drain timeout),
 * Deleting (only the provider can end it) and the terminal phases.
 */
export function phaseDeadlineSeconds(
  policy: Policy,
  phase: Phase,
  provisioningDeadlineSeconds = policy.provisioningDeadlineSeconds,
): number | undefined {
  switch (phase) {
    case 'Requested':
    case 'Provisioning':
      return provisioningDeadlineSeconds;
    case 'Ready':
      return policy.joinDeadlineSeconds;
    case 'Joined':
      return policy.routeDeadlineSeconds;
    case 'Leaving':
      return policy.leaveDeadlineSeconds;
    default:
      return undefined;
  }
}

/** The deadline the burst has passed in its phase, with the time spent, or undefined. */
export function overdue(
  record: BurstCluster,
  policy: Policy,
  now: Date,
  provisioningDeadlineSeconds?: number,
): { readonly deadline: number; readonly elapsed: number } | undefined {
  const deadline = phaseDeadlineSeconds(policy, record.phase, provisioningDeadlineSeconds);
  const elapsed = secondsInPhase(record, now);
  return deadline !== undefined && elapsed > deadline ? { deadline, elapsed } : undefined;
}
