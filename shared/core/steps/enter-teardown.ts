import type { BurstCluster } from '../../domain/burst-cluster.ts';
import { isLive, TEARDOWN_PHASES, teardownEntry } from '../../domain/lifecycle.ts';
import type { Deps } from '../deps.ts';
import { noop, type StepResult } from '../step-result.ts';
import { drainTraffic } from '../traffic.ts';
import { commitWhilePhase, patchWhilePhase } from '../transition.ts';
import { requestDelete } from './request-delete.ts';

/**
 * Start tearing a burst down from whatever phase it is in: drain if traffic may reach it,
 * unjoin if it may have joined, otherwise delete the cluster. With `failed`, the burst ends as
 * Failed (after the same cleanup) and the error is kept on the record.
 */
export async function enterTeardown(
  deps: Deps,
  record: BurstCluster,
  why: string,
  options: { readonly failed?: boolean } = {},
): Promise<StepResult> {
  const step = options.failed ? 'fail' : 'teardown';
  if (!isLive(record.phase)) return noop(record.id, step, `burst already ${record.phase}`, record.phase);
  const teardownOf = (r: BurstCluster) => ({ ...r.teardown, ...(options.failed && { failed: true }) });
  const lastErrorOf = (r: BurstCluster) => (options.failed ? why : r.lastError);
  if (TEARDOWN_PHASES.includes(record.phase)) {
    if (!options.failed || record.teardown.failed)
      return noop(record.id, step, `teardown already under way`, record.phase);
    // Kept through a move to the next teardown phase: the burst must still end as Failed.
    await patchWhilePhase(
      deps,
      record,
      (r) => ({ teardown: teardownOf(r), lastError: lastErrorOf(r) }),
      (fresh) => TEARDOWN_PHASES.includes(fresh.phase) && !fresh.teardown.failed,
    );
    return noop(record.id, step, 'teardown already under way; marked failed', record.phase);
  }
  // A lost compare-and-swap is retried while the phase is unchanged (a signal marked resolved
  // bumps the version): the cordon and drain are done, and an operator's DELETE must not vanish.
  const to = teardownEntry(record.phase)!;
  if (to === 'Draining') {
    const unreachable = await drainTraffic(deps, record);
    const said = unreachable
      ? `${why}; gateway unreachable (${unreachable.message}): its servers are drained once it answers, within the ${deps.policy.drainTimeoutSeconds}s drain bound`
      : why;
    const saved = await commitWhilePhase(deps, record, 'Draining', said, (r) => ({
      teardown: { ...teardownOf(r), drainStartedAt: deps.now().toISOString() },
      lastError: lastErrorOf(r),
      services: r.services.map((x) => ({ ...x, routed: false })),
    }));
    return result(record, step, saved ? 'Draining' : undefined, said);
  }
  const saved = await commitWhilePhase(deps, record, to, why, (r) => ({
    teardown: teardownOf(r),
    lastError: lastErrorOf(r),
  }));
  // Deleting is written first: a provider that refuses the delete for now (GKE while its create
  // operation runs) must not keep the burst out of teardown. finalize asks again until it is gone.
  if (saved && to === 'Deleting') await requestDelete(deps, saved);
  return result(record, step, saved ? to : undefined, why);
}

function result(
  record: BurstCluster,
  step: string,
  to: BurstCluster['phase'] | undefined,
  why: string,
): StepResult {
  if (!to) return noop(record.id, step, 'another worker moved the burst on', record.phase);
  return { burstId: record.id, step, outcome: 'moved', from: record.phase, to, why };
}
