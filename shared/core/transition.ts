import { type BurstCluster, withPhase } from '../domain/burst-cluster.ts';
import { canTransition, type Phase } from '../domain/lifecycle.ts';
import { VersionConflictError } from '../errors.ts';
import type { LifecycleEvent, LifecycleEventType } from '../schemas/lifecycle-event.ts';
import type { Deps } from './deps.ts';

/** The event announcing that a record entered a phase. */
export const PHASE_EVENTS: Readonly<Record<Phase, LifecycleEventType>> = {
  Requested: 'BurstRequested',
  Provisioning: 'ClusterProvisioning',
  Ready: 'ClusterReady',
  Joined: 'ClusterJoined',
  Active: 'ClusterActive',
  Draining: 'DrainStarted',
  Leaving: 'ClusterLeaving',
  Deleting: 'ClusterDeleting',
  Deleted: 'ClusterDeleted',
  Failed: 'BurstFailed',
};

/** The event for `record` as written at `version`; its id is stable across re-emission. */
export function eventFor(record: BurstCluster, type: LifecycleEventType, version: number): LifecycleEvent {
  return {
    id: `${record.id}:${type}:${version}`,
    type,
    burstId: record.id,
    phase: record.phase,
    at: record.updatedAt,
  };
}

/**
 * Write `record` moved to `to` (compare-and-swap) with its phase event in the outbox.
 * Returns the stored record, or undefined when another writer got there first: the caller then
 * stops, since that writer did the same step (this is how duplicates become harmless).
 */
export async function commit(
  deps: Deps,
  record: BurstCluster,
  to: Phase,
  why: string,
  patch: Partial<Omit<BurstCluster, 'phase' | 'history' | 'version'>> = {},
): Promise<BurstCluster | undefined> {
  if (!canTransition(record.phase, to))
    throw new Error(`illegal transition ${record.phase} -> ${to} for ${record.id}`);
  const next = withPhase(record, to, why, deps.now(), patch);
  const event = eventFor(next, PHASE_EVENTS[to], record.version + 1);
  try {
    const saved = await deps.store.update(next, [event]);
    deps.checkpoint(`after-write:${to}`);
    deps.metrics.recordTransition(saved);
    deps.logger.info(`${record.phase} -> ${to}: ${why}`, {
      burstId: record.id,
      phase: to,
      from: record.phase,
    });
    return saved;
  } catch (error) {
    if (error instanceof VersionConflictError) {
      deps.logger.debug('lost a compare-and-swap: another worker moved the burst on', { burstId: record.id });
      return undefined;
    }
    throw error;
  }
}

/** Write a patch without a phase change (CAS); undefined when another writer got there first. */
export async function patchRecord(
  deps: Deps,
  record: BurstCluster,
  patch: Partial<Omit<BurstCluster, 'phase' | 'version'>>,
  events: (saved: BurstCluster) => LifecycleEvent[] = () => [],
): Promise<BurstCluster | undefined> {
  const next = { ...record, ...patch, updatedAt: deps.now().toISOString() };
  try {
    return await deps.store.update(next, events({ ...next, version: record.version + 1 }));
  } catch (error) {
    if (error instanceof VersionConflictError) return undefined;
    throw error;
  }
}

/** How often a step re-reads and tries its commit again after losing to a phase-preserving write. */
const COMMIT_ATTEMPTS = 5;

/**
 * `commit` for a step that has already acted: a lost compare-and-swap is re-read, and while the
 * phase is still the one the step acted on (the winner only patched the record: a signal marked
 * resolved, a failure noted) the move is tried again on the fresh record, with `patch` recomputed
 * from it. Undefined only when another writer moved the phase on; throws if the record kept
 * changing under it (the step is then retried, never reported as done).
 */
export async function commitWhilePhase(
  deps: Deps,
  record: BurstCluster,
  to: Phase,
  why: string,
  patch: (current: BurstCluster) => Partial<Omit<BurstCluster, 'phase' | 'history' | 'version'>> = () => ({}),
): Promise<BurstCluster | undefined> {
  let current = record;
  for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
    const saved = await commit(deps, current, to, why, patch(current));
    if (saved) return saved;
    const fresh = await deps.store.get(record.id);
    if (!fresh || fresh.phase !== record.phase) return undefined;
    current = fresh;
  }
  throw new VersionConflictError(record.id, current.version);
}

/**
 * `patchRecord` re-read and retried on a lost compare-and-swap while `still` holds for the fresh
 * record (by default: the phase is unchanged); undefined once it does not. `events` go into the
 * outbox in the same write.
 */
export async function patchWhilePhase(
  deps: Deps,
  record: BurstCluster,
  patch: (current: BurstCluster) => Partial<Omit<BurstCluster, 'phase' | 'version'>>,
  still: (fresh: BurstCluster) => boolean = (fresh) => fresh.phase === record.phase,
  events: (saved: BurstCluster) => LifecycleEvent[] = () => [],
): Promise<BurstCluster | undefined> {
  let current = record;
  for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
    const saved = await patchRecord(deps, current, patch(current), events);
    if (saved) return saved;
    const fresh = await deps.store.get(record.id);
    if (!fresh || !still(fresh)) return undefined;
    current = fresh;
  }
  throw new VersionConflictError(record.id, current.version);
}
