import type { BurstCluster } from '../../domain/burst-cluster.ts';
import { overdue } from '../../domain/phase-deadline.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { serversLeftBehind, tryRemoveServers } from '../traffic.ts';
import { commitWhilePhase } from '../transition.ts';
import { providerFor } from './provider-for.ts';
import { requestDelete } from './request-delete.ts';

/**
 * Leaving -> Deleting: make sure nothing routes to the cluster any more, unjoin it (waiting
 * while the federation lets go), then ask the provider to delete it. A member that cannot be
 * reached must not keep a billed cluster alive: when the provider reports the cluster gone,
 * failed or deleting, or the leave deadline has passed, the member leaves with force (the
 * member side is skipped) and the cluster is deleted whatever the federation answers; a
 * membership left behind then has no live record, and reconcile removes it. So with the gateway:
 * forced, an unreachable gateway does not stop the delete; its servers stay recorded for finalize.
 */
export async function deleteCluster(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'deleteCluster', ['Leaving']);
  if (isResult(record)) return record;
  const force = await forceReason(deps, record);
  // Forced, the gateway is no reason to keep the cluster either: finalize removes the servers.
  const removed = await tryRemoveServers(deps, id, true);
  if (removed instanceof Error && !force) throw removed;
  let left: 'left' | 'pending' | Error;
  // Services placed by a route that never went Active (or moved home already: idempotent) are
  // taken off the member before it leaves; the leave does not wait for them.
  const placed = deps.config.services.filter((s) => record.services.some((r) => r.name === s.name));
  try {
    if (placed.length) await deps.federation.unplace(record.name, placed);
    await deps.federation.evict(record.name);
    left = await deps.federation.leave(record.name, force ? { force: true } : undefined);
  } catch (error) {
    if (!force) throw error;
    left = error as Error;
  }
  if (left === 'pending' && !force)
    return waiting(id, 'deleteCluster', 'federation is still letting the member go', 'Leaving');
  const unjoin =
    left === 'left'
      ? `left the federation${force ? ` with force (${force})` : ''}`
      : `${force}: deleting anyway; the federation ${
          left === 'pending' ? 'is still letting the member go' : `refused the leave (${left.message})`
        }, reconcile removes the membership`;
  if (left !== 'left') deps.logger.warn(`${record.name}: ${unjoin}`, { burstId: id, phase: record.phase });
  const gateway = removed instanceof Error ? `; ${serversLeftBehind(removed)}` : '';
  if (gateway) deps.logger.warn(`${record.name}${gateway}`, { burstId: id, phase: record.phase });
  const why = `${unjoin}${gateway}; deletion of ${record.name} requested from ${record.provider}`;
  const saved = await commitWhilePhase(deps, record, 'Deleting', why);
  if (saved) await requestDelete(deps, saved);
  return saved
    ? { burstId: id, step: 'deleteCluster', outcome: 'moved', from: 'Leaving', to: 'Deleting', why }
    : waiting(id, 'deleteCluster', 'another worker moved it on');
}

/** Why the member must leave with force, or undefined while an orderly leave is still due. */
async function forceReason(deps: Deps, record: BurstCluster): Promise<string | undefined> {
  // A provider that cannot answer now is no reason to force: the deadline still bounds the wait.
  const cluster = await providerFor(deps, record)
    .describe(record.name)
    .then(
      (c) => ({ known: true, c }) as const,
      () => ({ known: false }) as const,
    );
  if (cluster.known && !cluster.c) return `cluster ${record.name} vanished at ${record.provider}`;
  if (cluster.known && (cluster.c?.state === 'failed' || cluster.c?.state === 'deleting'))
    return `provider reports the cluster ${cluster.c.state}`;
  const late = overdue(record, deps.policy, deps.now());
  if (late) return `member not let go within the ${late.deadline}s leave deadline`;
  return undefined;
}
