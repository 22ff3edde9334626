import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { noop, type StepResult } from '../step-result.ts';
import { enterTeardown } from './enter-teardown.ts';
import { providerFor } from './provider-for.ts';

/** Active: a cluster that vanished or failed at the provider fails the burst, with cleanup. */
export async function checkActive(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'clusterHealth', ['Active']);
  if (isResult(record)) return record;
  const cluster = await providerFor(deps, record).describe(record.name);
  if (!cluster)
    return enterTeardown(deps, record, `cluster ${record.name} vanished at ${record.provider}`, {
      failed: true,
    });
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
