import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { syncDns } from '../traffic.ts';
import { commit } from '../transition.ts';
import { providerFor } from './provider-for.ts';

/**
 * Deleting -> Deleted (or Failed): once the provider no longer knows the cluster, remove the
 * DNS records that remain, and close the record.
 */
export async function finalize(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'finalize', ['Deleting']);
  if (isResult(record)) return record;
  const provider = providerFor(deps, record);
  const cluster = await provider.describe(record.name);
  if (cluster) {
    if (cluster.state !== 'deleting') await provider.delete(record.name, record.owner);
    return waiting(id, 'finalize', `provider still reports the cluster ${cluster.state}`, 'Deleting');
  }
  const removed = await syncDns(deps, record, []);
  const to = record.teardown.failed ? 'Failed' : 'Deleted';
  const why = `cluster gone at ${record.provider}; ${removed} DNS change(s) to remove what remained${
    record.teardown.failed ? `; failed: ${record.lastError ?? 'unknown error'}` : ''
  }`;
  const saved = await commit(deps, record, to, why, { dnsRecords: [], gatewayServers: [] });
  return saved
    ? { burstId: id, step: 'finalize', outcome: 'moved', from: 'Deleting', to, why }
    : waiting(id, 'finalize', 'another worker moved it on');
}
