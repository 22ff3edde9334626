import type { BurstCluster } from '../../domain/burst-cluster.ts';
import { isLive, TEARDOWN_PHASES } from '../../domain/lifecycle.ts';
import type { Deps } from '../deps.ts';
import { noop, type StepResult, waiting } from '../step-result.ts';
import { eventFor, patchWhilePhase } from '../transition.ts';

const STEP = 'teardown';

/** Whether a teardown was asked for and the drain step has not yet taken it up. */
export function teardownPending(record: BurstCluster): boolean {
  return (
    record.teardown.requestedAt !== undefined &&
    isLive(record.phase) &&
    !TEARDOWN_PHASES.includes(record.phase)
  );
}

/** The event an operator's teardown request emits (the one event not announcing a phase). */
export const TEARDOWN_REQUESTED = 'TeardownRequested' as const;

/**
 * `DELETE /bursts/{id}`: records the teardown request on the burst with a TeardownRequested
 * event in the same write, and returns. The drain function does the drain (cordon, gateway,
 * DNS) from the event, so an API request never waits on a gateway or a federation; reconcile
 * re-drives a request whose event was lost. Asking again while one is pending writes nothing.
 */
export async function requestTeardown(
  deps: Deps,
  record: BurstCluster,
  why = 'teardown requested by an operator',
  options: { readonly force?: boolean } = {},
): Promise<StepResult> {
  if (!isLive(record.phase)) return noop(record.id, STEP, `burst already ${record.phase}`, record.phase);
  if (options.force && !record.teardown.forceRequestedAt) return forceTeardown(deps, record, why);
  if (TEARDOWN_PHASES.includes(record.phase))
    return noop(record.id, STEP, 'teardown already under way', record.phase);
  if (teardownPending(record)) return waiting(record.id, STEP, 'teardown already requested', record.phase);
  const saved = await patchWhilePhase(
    deps,
    record,
    (r) => ({ teardown: { ...r.teardown, requestedAt: deps.now().toISOString(), requestedWhy: why } }),
    (fresh) => isLive(fresh.phase) && !TEARDOWN_PHASES.includes(fresh.phase) && !teardownPending(fresh),
    (next) => [eventFor(next, TEARDOWN_REQUESTED, next.version)],
  );
  if (!saved) {
    // Another writer got there first: moved the burst into teardown, or recorded a request.
    const fresh = await deps.store.get(record.id);
    return noop(record.id, STEP, 'another request or step got there first', fresh?.phase ?? record.phase);
  }
  deps.logger.info(`teardown requested: ${why}`, { burstId: record.id, phase: record.phase });
  return waiting(record.id, STEP, `${why}; the drain step takes it from here`, record.phase);
}

/**
 * `DELETE /bursts/{id}?force=true`: as a request, and a teardown under way (a burst held
 * Draining because home cannot take its replicas back) stops waiting for the replicas: the
 * awaitDrain poll moves it on to unjoin and delete.
 */
async function forceTeardown(deps: Deps, record: BurstCluster, why: string): Promise<StepResult> {
  const at = deps.now().toISOString();
  const saved = await patchWhilePhase(
    deps,
    record,
    (r) => ({
      teardown: {
        ...r.teardown,
        forceRequestedAt: at,
        ...(!TEARDOWN_PHASES.includes(r.phase) &&
          !r.teardown.requestedAt && { requestedAt: at, requestedWhy: why }),
      },
    }),
    (fresh) => isLive(fresh.phase) && !fresh.teardown.forceRequestedAt,
    (next) =>
      TEARDOWN_PHASES.includes(next.phase) ? [] : [eventFor(next, TEARDOWN_REQUESTED, next.version)],
  );
  if (!saved) {
    const fresh = await deps.store.get(record.id);
    return noop(record.id, STEP, 'another request or step got there first', fresh?.phase ?? record.phase);
  }
  deps.logger.warn(`forced teardown requested: ${why}`, { burstId: record.id, phase: record.phase });
  return waiting(
    record.id,
    STEP,
    `${why} (forced: replicas are not waited for at home); the teardown takes it from here`,
    record.phase,
  );
}
