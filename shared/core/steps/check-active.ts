import type { Deps } from '../deps.ts';
import { noop, type StepResult } from '../step-result.ts';
import { describedFor } from './described.ts';
import { enterTeardown } from './enter-teardown.ts';
import { followResize } from './resize-burst.ts';

/**
 * Active: a cluster that vanished or failed at the provider fails the burst, with cleanup; a
 * resize of its node pool is followed until it settles or fails (resize-burst.ts).
 */
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
  if (record.resize?.state === 'resizing') {
    const followed = await followResize(deps, record, 'clusterHealth', cluster);
    if (followed) return followed;
  }
  return noop(id, 'clusterHealth', 'active and known to the provider', 'Active');
}
