import type { Deps } from '../deps.ts';
import { noop, type StepResult } from '../step-result.ts';
import { describedFor } from './described.ts';
import { enterTeardown } from './enter-teardown.ts';

/** Active: a cluster that vanished or failed at the provider fails the burst, with cleanup. */
export async function checkActive(deps: Deps, id: string): Promise<StepResult> {
  const found = await describedFor(deps, id, 'Active');
  if ('outcome' in found) return found;
  const { record, cluster } = found;
  if (cluster.state === 'failed' || cluster.state === 'deleting') {
    return enterTeardown(
      deps,
      record,
      `provider reports the cluster ${cluster.state}: ${cluster.message ?? ''}`.trim(),
      {
        failed: true,
      },
    );
  }
  return noop(id, 'clusterHealth', 'active and known to the provider', 'Active');
}
