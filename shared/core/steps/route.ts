import { clusterCaOf } from '../../drivers/provider/provider.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { desiredDns, desiredServers, syncDns } from '../traffic.ts';
import { commit } from '../transition.ts';
import { providerFor } from './provider-for.ts';

/**
 * Joined -> Active: once the cluster's endpoint passes its health check, make traffic reach it,
 * innermost layer first (make before break): DNS record for its ingress, then the gateway
 * servers, added disabled and enabled last.
 */
export async function route(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'route', ['Joined']);
  if (isResult(record)) return record;
  // Only the CA: this step is re-driven by every poll, and credentials may be minted (Magnum).
  const caData = await clusterCaOf(providerFor(deps, record), record.name).catch(() => undefined);
  if (!record.endpoint || !(await deps.probe(record.endpoint, caData))) {
    return waiting(
      id,
      'route',
      `endpoint ${record.endpoint ?? '(none)'} does not pass its health check yet`,
      'Joined',
    );
  }
  const records = desiredDns(deps, record);
  await syncDns(deps, record, records);
  const servers = desiredServers(deps, record);
  for (const server of servers) await deps.gateway.add(server);
  deps.checkpoint('after-gateway-add');
  for (const server of servers) await deps.gateway.enable(server);
  const why = [
    'endpoint passed its health check',
    records.length ? `DNS ${records.map((r) => `${r.name} ${r.type}`).join(', ')}` : undefined,
    servers.length
      ? `gateway ${servers.map((s) => `${s.backend}/${s.server}`).join(', ')} enabled`
      : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  const saved = await commit(deps, record, 'Active', why, {
    dnsRecords: records.map((r) => ({ name: r.name, type: r.type })),
    gatewayServers: servers.map((s) => ({ backend: s.backend, server: s.server })),
  });
  return saved
    ? { burstId: id, step: 'route', outcome: 'moved', from: 'Joined', to: 'Active', why }
    : waiting(id, 'route', 'another worker moved it on');
}
