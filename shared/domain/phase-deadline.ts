import { type BurstCluster, phaseEnteredAt } from './burst-cluster.ts';
import type { Policy } from './policy.ts';

/**
 * The ISO-8601 time by which the record should have left its current phase, if the lifecycle
 * bounds that phase: Provisioning by the provider's provisioning deadline, Draining by the drain
 * timeout, an Active burst with a time to live by its expiry. The steps act at these times; a
 * burst still in the phase well after one is stuck (alert `ClusterburstBurstPastDeadline`).
 */
export function phaseDeadline(
  record: BurstCluster,
  policy: Pick<Policy, 'drainTimeoutSeconds'>,
  provisioningDeadlineSeconds: number,
): string | undefined {
  const after = (from: string, seconds: number) => new Date(Date.parse(from) + seconds * 1000).toISOString();
  switch (record.phase) {
    case 'Provisioning':
      return after(phaseEnteredAt(record), provisioningDeadlineSeconds);
    case 'Draining':
      return after(record.teardown.drainStartedAt ?? phaseEnteredAt(record), policy.drainTimeoutSeconds);
    case 'Active':
      return record.expiresAt;
    default:
      return undefined;
  }
}
