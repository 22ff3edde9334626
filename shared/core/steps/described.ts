import type { BurstCluster } from '../../domain/burst-cluster.ts';
import type { Phase } from '../../domain/lifecycle.ts';
import type { ProviderCluster } from '../../drivers/provider/provider.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import type { StepResult } from '../step-result.ts';
import { enterTeardown } from './enter-teardown.ts';
import { providerFor } from './provider-for.ts';

/** A burst and its cluster as the provider describes it now. */
export interface Described {
  readonly record: BurstCluster;
  readonly cluster: ProviderCluster;
}

/**
 * A health poll's first move: load the burst in `phase` and describe its cluster. A cluster the
 * provider no longer knows fails the burst (with cleanup); either way that is a result, not a
 * cluster to look at.
 */
export async function describedFor(deps: Deps, id: string, phase: Phase): Promise<Described | StepResult> {
  const record = await loadFor(deps, id, 'clusterHealth', [phase]);
  if (isResult(record)) return record;
  const cluster = await providerFor(deps, record).describe(record.name);
  if (!cluster)
    return enterTeardown(deps, record, `cluster ${record.name} vanished at ${record.provider}`, {
      failed: true,
    });
  return { record, cluster };
}
