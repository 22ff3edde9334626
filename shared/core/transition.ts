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
