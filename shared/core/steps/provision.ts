import { place } from '../../domain/place.ts';
import { DriverError } from '../../errors.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { ownershipLabels } from '../names.ts';
import type { StepResult } from '../step-result.ts';
import { commit, eventFor, patchRecord } from '../transition.ts';
import { enterTeardown } from './enter-teardown.ts';
import { providerFor } from './provider-for.ts';

/**
 * Requested -> Provisioning: ask the provider for the cluster (create-if-absent, by the
 * deterministic name). A quota or capacity error moves the burst to the next provider that
 * `place` allows, with the why recorded; a fatal error fails the burst (after cleanup).
 */
export async function provision(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'provision', ['Requested']);
  if (isResult(record)) return record;
  const provider = providerFor(deps, record);
  try {
    await provider.create({
      name: record.name,
      burstId: record.id,
      owner: record.owner,
      region: record.region,
      nodes: record.nodes,
      labels: ownershipLabels(record),
    });
  } catch (error) {
    if (!(error instanceof DriverError) || error.retryable) throw error;
    if (error.quota) return replace(deps, record, error);
    return enterTeardown(deps, record, `provider ${record.provider} refused the cluster: ${error.message}`, {
      failed: true,
    });
  }
  deps.checkpoint('after-provider-create');
  const why = `cluster ${record.name} requested from ${record.provider} in ${record.region} (${record.nodes} nodes)`;
  const saved = await commit(deps, record, 'Provisioning', why);
  return saved
    ? { burstId: id, step: 'provision', outcome: 'moved', from: 'Requested', to: 'Provisioning', why }
    : { burstId: id, step: 'provision', outcome: 'noop', why: 'another worker provisioned it' };
}

async function replace(
  deps: Deps,
  record: Parameters<typeof enterTeardown>[1],
  error: DriverError,
): Promise<StepResult> {
  const tried = [
    ...(record.history.map((h) => /quota at (\S+)/.exec(h.why)?.[1]).filter(Boolean) as string[]),
  ];
  const exclude = [...new Set([...tried, record.provider])];
  const live = (await deps.store.list()).filter(
    (r) => r.id !== record.id && r.phase !== 'Deleted' && r.phase !== 'Failed',
  );
  const liveByProvider: Record<string, number> = {};
  for (const r of live) liveByProvider[r.provider] = (liveByProvider[r.provider] ?? 0) + 1;
  const placement = place(deps.offers, { nodes: record.nodes, liveByProvider, exclude });
  if (!placement.ok) {
    return enterTeardown(deps, record, `quota at ${record.provider} (${error.message}); ${placement.why}`, {
      failed: true,
    });
  }
  const why = `quota at ${record.provider} (${error.message}); moved to ${placement.provider}: ${placement.why}`;
  const at = deps.now().toISOString();
  const saved = await patchRecord(
    deps,
    record,
    {
      provider: placement.provider,
      region: placement.region,
      costPerHour: placement.costPerHour,
      history: [...record.history, { phase: 'Requested', at, why }],
    },
    (next) => [eventFor(next, 'BurstRequested', next.version)],
  );
  return { burstId: record.id, step: 'provision', outcome: saved ? 'moved' : 'noop', from: 'Requested', why };
}
