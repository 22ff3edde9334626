import type { BurstCluster } from '../../domain/burst-cluster.ts';
import type { CapacitySignal } from '../../domain/capacity-signal.ts';
import type { Deps } from '../deps.ts';
import { admitSignal } from '../handle-signal.ts';
import type { StepResult } from '../step-result.ts';
import { commit } from '../transition.ts';
import { providerFor } from './provider-for.ts';

/**
 * A quota or capacity error: admit a replacement burst on the next provider `place` allows
 * (through the serialised admission, so max clusters and the budget still hold), then close
 * this one as Failed naming its replacement. Retried after a crash, the replacement collides
 * by id and is not admitted twice.
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
  };
  const outcome = await admitSignal(deps, signal, { exclude, replaces: record.id });
  const replacement =
    outcome.decision === 'burst' || outcome.decision === 'duplicate' ? outcome.burstId : undefined;
  const why = replacement
    ? `quota at ${record.provider} (${message}); replaced by ${replacement}`
    : `quota at ${record.provider} (${message}); no replacement: ${outcome.why}`;
  await providerFor(deps, record).delete(record.name, record.owner);
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
