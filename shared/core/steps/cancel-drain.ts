import { servedSignal } from '../../domain/burst-cluster.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { noop, type StepResult } from '../step-result.ts';
import { commitWhilePhase } from '../transition.ts';

/**
 * Draining -> Joined when demand returns (the planner's `cancelDrain`): uncordon the member, then
 * write Joined with its ClusterJoined event, so the route step health-checks the endpoint again
 * and only then re-enables the gateway servers and DNS weights (route.ts), as for a new burst.
 * A drain an operator asked for, or one of a failed burst, is never cancelled. Idempotent: a
 * burst no longer Draining is left alone; a crash before the write leaves it Draining (the next
 * plan cancels again), and one that lost to awaitDrain's Leaving is cordoned again.
 */
export async function cancelDrain(
  deps: Deps,
  id: string,
  why: string,
  options: { readonly signalKey?: string; readonly demand?: number } = {},
): Promise<StepResult> {
  const record = await loadFor(deps, id, 'cancelDrain', ['Draining']);
  if (isResult(record)) return record;
  if (record.teardown.requestedAt || record.teardown.failed) {
    return noop(
      id,
      'cancelDrain',
      'an operator asked for this teardown, or the burst failed: not cancelled',
      'Draining',
    );
  }
  await deps.federation.uncordon(record.name);
  deps.checkpoint('after-uncordon');
  const saved = await commitWhilePhase(deps, record, 'Joined', why, () => ({
    teardown: {},
    signalResolvedAt: undefined,
    ...(options.signalKey !== undefined && { servesSignal: options.signalKey }),
    // Handed to another signal: the peaks were the old signal's demands, not the new one's.
    ...(options.signalKey !== undefined &&
      options.signalKey !== servedSignal(record) && { demandPeaks: undefined }),
    ...(options.demand !== undefined && { demand: options.demand }),
  }));
  if (saved)
    return { burstId: id, step: 'cancelDrain', outcome: 'moved', from: 'Draining', to: 'Joined', why };
  // The drain went on (Leaving) while we uncordoned: put the cordon back for its eviction.
  const now = await deps.store.get(id);
  if (now && now.phase !== 'Joined' && now.phase !== 'Active') await deps.federation.cordon(record.name);
  return noop(
    id,
    'cancelDrain',
    `the drain went on (${now?.phase ?? 'gone'}): too far to cancel`,
    now?.phase,
  );
}
