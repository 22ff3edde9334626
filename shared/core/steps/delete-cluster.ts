import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { removeServers } from '../traffic.ts';
import { commit } from '../transition.ts';
import { requestDelete } from './request-delete.ts';

/**
 * Leaving -> Deleting: make sure nothing routes to the cluster any more, unjoin it (waiting
 * while the federation lets go), then ask the provider to delete it.
 */
export async function deleteCluster(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'deleteCluster', ['Leaving']);
  if (isResult(record)) return record;
  await removeServers(deps, id, true);
  await deps.federation.evict(record.name);
  const left = await deps.federation.leave(record.name);
  if (left === 'pending')
    return waiting(id, 'deleteCluster', 'federation is still letting the member go', 'Leaving');
  const why = `left the federation; deletion of ${record.name} requested from ${record.provider}`;
  const saved = await commit(deps, record, 'Deleting', why);
  if (saved) await requestDelete(deps, saved);
  return saved
    ? { burstId: id, step: 'deleteCluster', outcome: 'moved', from: 'Leaving', to: 'Deleting', why }
    : waiting(id, 'deleteCluster', 'another worker moved it on');
}
