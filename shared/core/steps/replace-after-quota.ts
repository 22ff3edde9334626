import { type BurstCluster, withPhase } from '../../domain/burst-cluster.ts';
import type { CapacitySignal } from '../../domain/capacity-signal.ts';
import type { AdmitClose } from '../../drivers/store/store.ts';
import type { Deps } from '../deps.ts';
import { admitSignal } from '../handle-signal.ts';
import type { StepResult } from '../step-result.ts';
import { commit, eventFor, PHASE_EVENTS } from '../transition.ts';
import { providerFor } from './provider-for.ts';

/**
 * A quota or capacity error: ask the provider to delete the cluster, then admit a replacement
 * burst on the next provider `place` allows, closing this one as Failed (naming its
 * replacement) in the same admission, so the two never count together against max clusters
 * or the budget. Retried after a crash, the replacement collides by id and is not admitted
 * twice; this one is then closed on its own.
 */
export async function replaceAfterQuota(
  deps: Deps,
  record: BurstCluster,
  message: string,
): Promise<StepResult> {
  const exclude = [...new Set([...(record.excludedProviders ?? []), record.provider])];
  const signal: CapacitySignal = {
    source: record.reason.source,
    status: 'firing',
    signalKey: record.reason.signalKey,
    dedupeKey: record.reason.dedupeKey,
    labels: {},
    summary: record.reason.summary,
    at: record.createdAt,
    hints: { nodes: record.nodes, ...(record.expiresAt && { ttlSeconds: ttlLeft(deps, record) }) },
    ...(record.demand !== undefined && { demand: record.demand }),
  };
  await providerFor(deps, record).delete(record.name, record.owner);
  const failedFor = (replacement: string) => `quota at ${record.provider} (${message}); ${replacement}`;
  const close = (stored: BurstCluster, replacementId: string): AdmitClose | undefined => {
    // Moved on since this step read it (an operator's DELETE): not this step's to close.
    if (stored.phase !== record.phase) return undefined;
    const why = failedFor(`replaced by ${replacementId}`);
    const next = withPhase(stored, 'Failed', why, deps.now(), {
      teardown: { ...stored.teardown, failed: true },
      lastError: why,
    });
    return { record: next, events: [eventFor(next, PHASE_EVENTS.Failed, stored.version + 1)] };
  };
  // A warm standby cluster is not replaced here: the next reconcile plans the warm standby anew.
  const outcome = record.warm
    ? {
        decision: 'refused' as const,
        why: 'a warm standby cluster: reconcile keeps the standby',
        burstId: undefined,
        closed: undefined,
      }
    : await admitSignal(deps, signal, {
        exclude,
        replaces: record.id,
        close,
        ...(record.demandPeaks && { demandPeaks: record.demandPeaks }),
      });
  if (outcome.closed) {
    deps.checkpoint('after-write:Failed');
    deps.metrics.recordTransition(outcome.closed);
    const why = outcome.closed.history.at(-1)!.why;
    deps.logger.info(`${record.phase} -> Failed: ${why}`, { burstId: record.id, phase: 'Failed' });
    return { burstId: record.id, step: 'provision', outcome: 'moved', from: record.phase, to: 'Failed', why };
  }
  // Not closed by the admission: refused, or the replacement was admitted before a crash.
  const why =
    outcome.decision === 'burst' || outcome.decision === 'duplicate'
      ? failedFor(`replaced by ${outcome.burstId}`)
      : failedFor(`no replacement: ${outcome.why}`);
  const saved = await commit(deps, record, 'Failed', why, {
    teardown: { ...record.teardown, failed: true },
    lastError: why,
  });
  return saved
    ? { burstId: record.id, step: 'provision', outcome: 'moved', from: record.phase, to: 'Failed', why }
    : { burstId: record.id, step: 'provision', outcome: 'noop', why: 'another worker moved it on' };
}

function ttlLeft(deps: Deps, record: BurstCluster): number {
  return Math.max(1, Math.round((Date.parse(record.expiresAt!) - deps.now().getTime()) / 1000));
}
