import type { BurstCluster } from '../../domain/burst-cluster.ts';
import { isLive } from '../../domain/lifecycle.ts';
import { overdue } from '../../domain/phase-deadline.ts';
import { clusterCaOf } from '../cluster-ca.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { desiredDns, desiredServers, drainTraffic, removeServers, syncDns } from '../traffic.ts';
import { commitWhilePhase } from '../transition.ts';
import { enterTeardown } from './enter-teardown.ts';
import { holdRoute } from './hold-route.ts';
import { providerFor } from './provider-for.ts';

/**
 * Joined -> Active: once the cluster's endpoint passes its health check, make traffic reach it,
 * innermost layer first (make before break): DNS record for its ingress, then the gateway
 * servers, added disabled and enabled last. An endpoint still failing its health check after
 * the route deadline fails the burst.
 */
export async function route(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'route', ['Joined']);
  if (isResult(record)) return record;
  const held = await holdRoute(deps, record);
  if (held) return held;
  // Only the CA: this step is re-driven by every poll, and credentials may be minted (Magnum).
  const caData = await clusterCaOf(providerFor(deps, record), record.name).catch(() => undefined);
  if (!record.endpoint || !(await deps.probe(record.endpoint, caData))) {
    const late = overdue(record, deps.policy, deps.now());
    if (late)
      return enterTeardown(
        deps,
        record,
        `endpoint ${record.endpoint ?? '(none)'} did not pass its health check within the ${late.deadline}s route deadline`,
        { failed: true },
      );
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
  const saved = await commitWhilePhase(deps, record, 'Active', why, () => ({
    dnsRecords: records.map((r) => ({ name: r.name, type: r.type })),
    gatewayServers: servers.map((s) => ({ backend: s.backend, server: s.server })),
  }));
  if (saved) return { burstId: id, step: 'route', outcome: 'moved', from: 'Joined', to: 'Active', why };
  return withdraw(deps, record);
}

/**
 * The burst moved on while it was being routed. Unless a twin route made it Active, a teardown
 * or a failure won, possibly after its own cleanup ran: take back what was just enabled.
 */
async function withdraw(deps: Deps, record: BurstCluster): Promise<StepResult> {
  const id = record.id;
  const now = await deps.store.get(id);
  // Active: a twin route won, and the servers are that burst's.
  if (now?.phase === 'Active') return waiting(id, 'route', 'another worker moved it on');
  // Draining after a twin's Active: this route's enable may have landed after the drain, so
  // put the servers back in drain (idempotent) rather than leave them taking new traffic.
  if (now?.phase === 'Draining') {
    await drainTraffic(deps, now);
    return waiting(id, 'route', 'another worker moved it on and its drain began: servers drained again');
  }
  const removed = await removeServers(deps, id, true);
  if (!now || !isLive(now.phase)) await syncDns(deps, record, []);
  return waiting(
    id,
    'route',
    `burst became ${now?.phase ?? 'gone'} while it was routed: ${removed} gateway server(s) withdrawn`,
  );
}
