import type { BurstCluster } from '../../domain/burst-cluster.ts';
import type { Deps } from '../deps.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { enterTeardown } from './enter-teardown.ts';
import { providerFor } from './provider-for.ts';
import { followResize } from './resize-burst.ts';

/**
 * What keeps a Joined burst from being routed, checked by the route step before anything else:
 * a warm standby cluster stays joined and cordoned (serving nothing) until a burst takes it, and
 * fails (so reconcile replaces it) when its cluster vanished or failed at the provider; a taken
 * one is routed once its node pool has the nodes asked for, so it goes Active with its capacity
 * there. Undefined when the route step may go on.
 */
export async function holdRoute(deps: Deps, record: BurstCluster): Promise<StepResult | undefined> {
  if (record.warm) {
    const cluster = await providerFor(deps, record).describe(record.name);
    if (!cluster || cluster.state === 'failed' || cluster.state === 'deleting') {
      const what = cluster ? `${cluster.state}: ${cluster.message ?? ''}`.trim() : 'vanished';
      return enterTeardown(
        deps,
        record,
        `warm standby cluster ${record.name} ${what} at ${record.provider}`,
        {
          failed: true,
        },
      );
    }
    await deps.federation.cordon(record.name);
    return waiting(record.id, 'route', 'warm standby: joined and cordoned until a burst takes it', 'Joined');
  }
  if (record.resize?.state !== 'resizing') return undefined;
  return followResize(deps, record, 'route');
}
