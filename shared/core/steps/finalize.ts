import { secondsInPhase } from '../../domain/phase-deadline.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { serversLeftBehind, syncDns, tryRemoveServers } from '../traffic.ts';
import { commitWhilePhase } from '../transition.ts';
import { providerFor } from './provider-for.ts';

/**
 * Deleting -> Deleted (or Failed): once the provider no longer knows the cluster, finish any
 * membership a forced leave (or a join racing the teardown) left behind, remove the gateway
 * servers and DNS records that remain, and close the record.
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
  // The cluster is gone, so its member side is too: only the federation's own objects can remain.
  // Waited for within the leave deadline, then left to reconcile rather than keeping the record.
  const left = await deps.federation.leave(record.name, { force: true }).catch((e: Error) => e);
  if (left !== 'left') {
    const said = left === 'pending' ? 'still letting the member go' : `refused the leave: ${left.message}`;
    if (secondsInPhase(record, deps.now()) <= deps.policy.leaveDeadlineSeconds)
      return waiting(id, 'finalize', `cluster gone; federation ${said}`, 'Deleting');
    deps.logger.warn(`${record.name}: federation ${said}; reconcile removes the membership`, { burstId: id });
  }
  // Gateway servers too: a route that raced the teardown may have enabled them after it removed them.
  // An unreachable gateway is waited for within the leave deadline too; past it the record closes
  // with its servers still listed, and reconcile removes them (no live record) once it answers.
  const servers = await tryRemoveServers(deps, id, true);
  if (servers instanceof Error) {
    if (secondsInPhase(record, deps.now()) <= deps.policy.leaveDeadlineSeconds)
      return waiting(id, 'finalize', `cluster gone; gateway unreachable: ${servers.message}`, 'Deleting');
    deps.logger.warn(`${record.name}: ${serversLeftBehind(servers)}`, { burstId: id });
  }
  const removed = await syncDns(deps, record, []);
  const to = record.teardown.failed ? 'Failed' : 'Deleted';
  const gateway =
    servers instanceof Error ? serversLeftBehind(servers) : `${servers} gateway server(s) removed`;
  const why = `cluster gone at ${record.provider}; ${removed} DNS change(s) to remove what remained; ${gateway}${
    record.teardown.failed ? `; failed: ${record.lastError ?? 'unknown error'}` : ''
  }`;
  const saved = await commitWhilePhase(deps, record, to, why, (r) => ({
    dnsRecords: [],
    gatewayServers: servers instanceof Error ? r.gatewayServers : [],
    services: r.services.map((x) => ({ ...x, readyReplicas: 0, routed: false })),
  }));
  return saved
    ? { burstId: id, step: 'finalize', outcome: 'moved', from: 'Deleting', to, why }
    : waiting(id, 'finalize', 'another worker moved it on');
}
