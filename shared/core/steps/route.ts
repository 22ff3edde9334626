import type { BurstCluster } from '../../domain/burst-cluster.ts';
import { isLive } from '../../domain/lifecycle.ts';
import { overdue } from '../../domain/phase-deadline.ts';
import type { ServiceOnMember, ServiceRoute, ServiceSpec } from '../../domain/services.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { servicesThatBurst } from '../services.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { desiredDns, desiredServers, drainTraffic, ingressText, removeServers, syncDns } from '../traffic.ts';
import { commitWhilePhase, patchWhilePhase } from '../transition.ts';
import { enterTeardown } from './enter-teardown.ts';
import { holdRoute } from './hold-route.ts';

/**
 * Joined -> Active: place the services that may burst on the member (customer protection decides
 * which: `servicesThatBurst`), wait until each has a ready replica there and an ingress, probe
 * each through its ingress (never the API endpoint), then make traffic reach them, innermost
 * layer first (make before break): DNS for each ingress, then the gateway servers at the ingress
 * addresses, added disabled and enabled last. A federation that routes in-cluster gets neither.
 * A service still not ready after the route deadline fails the burst (normal teardown). Safe to
 * run again at any point, also for a burst coming back from a cancelled drain (servers in drain,
 * DNS weights 0): place, add and DNS are idempotent, enable undoes the drain.
 */
export async function route(deps: Deps, id: string): Promise<StepResult> {
  const loaded = await loadFor(deps, id, 'route', ['Joined']);
  if (isResult(loaded)) return loaded;
  const held = await holdRoute(deps, loaded);
  if (held) return held;
  const { verdicts, eligible } = await servicesThatBurst(deps);
  if (!eligible.length) {
    const why = `no service may burst (${verdicts.map((v) => `${v.service}: ${v.why}`).join('; ') || 'none configured'})`;
    return enterTeardown(deps, loaded, why, { failed: true });
  }
  // What is placed is on the record before it is placed: a teardown after a crash here knows
  // what to take home.
  const record = await recordPlacement(deps, loaded, eligible);
  if (!record) return waiting(id, 'route', 'another worker moved it on');
  // A service placed before and no longer allowed (its namespace labelled restricted since, say)
  // comes off the member; it stays listed, unrouted, so the teardown takes it home again.
  const dropped = deps.config.services.filter(
    (s) => record.services.some((r) => r.name === s.name) && !eligible.some((e) => e.name === s.name),
  );
  if (dropped.length) await deps.federation.unplace(record.name, dropped);
  const kept = record.services
    .filter((r) => !eligible.some((e) => e.name === r.name))
    .map((r): ServiceRoute => ({ name: r.name, readyReplicas: 0, routed: false }));
  // A member cordoned by a drain since cancelled (or held as a standby) takes placements again.
  await deps.federation.uncordon(record.name);
  await deps.federation.place(record.name, eligible);
  deps.checkpoint('after-place');
  const statuses = await deps.federation.serviceStatus(record.name, eligible);
  const inCluster = deps.federation.inClusterRouting === true;
  const missing = await Promise.all(
    eligible.map((spec) => notServing(deps, record, spec, statuses, inCluster)),
  );
  const routes = [...eligible.map((spec, i) => routeOf(spec, statuses, missing[i])), ...kept];
  const at = missing.findIndex(Boolean);
  const awaited = at < 0 ? undefined : `${eligible[at]!.name}: ${missing[at]}`;
  if (awaited) {
    const late = overdue(record, deps.policy, deps.now());
    if (late)
      return enterTeardown(
        deps,
        record,
        `route deadline of ${late.deadline}s passed on ${record.name} waiting for service ${awaited}`,
        { failed: true },
      );
    // Progress shows in status (ready replicas, ingress), written only when it changed.
    if (JSON.stringify(routes) !== JSON.stringify(record.services))
      await patchWhilePhase(deps, record, () => ({ services: routes }));
    return waiting(id, 'route', `waiting for service ${awaited}`, 'Joined');
  }
  const routed = routes.map((r) => ({ ...r, routed: eligible.some((e) => e.name === r.name) }));
  const records = desiredDns(deps, record, { services: routed });
  await syncDns(deps, record, records);
  const servers = desiredServers(deps, record, routed);
  for (const server of servers) await deps.gateway.add(server);
  deps.checkpoint('after-gateway-add');
  for (const server of servers) await deps.gateway.enable(server);
  const why = [
    `${routed
      .filter((r) => r.routed)
      .map((r) => `${r.name} (${r.readyReplicas} ready${r.ingress ? ` at ${r.ingress}` : ''})`)
      .join(', ')} passed the health check`,
    dropped.length ? `${dropped.map((s) => s.name).join(', ')} no longer may burst: taken off` : undefined,
    inCluster ? `${deps.federation.name} routes in-cluster: DNS and gateway left alone` : undefined,
    records.length ? `DNS ${records.map((r) => `${r.name} ${r.type}`).join(', ')}` : undefined,
    servers.length
      ? `gateway ${servers.map((s) => `${s.backend}/${s.server} -> ${s.address}:${s.port}`).join(', ')} enabled`
      : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  const saved = await commitWhilePhase(deps, record, 'Active', why, () => ({
    services: routed,
    dnsRecords: records.map((r) => ({ name: r.name, type: r.type })),
    gatewayServers: servers.map((s) => ({ backend: s.backend, server: s.server })),
  }));
  if (saved) return { burstId: id, step: 'route', outcome: 'moved', from: 'Joined', to: 'Active', why };
  return withdraw(deps, record);
}

/** The record with every eligible service listed (kept as it is when they all are). */
async function recordPlacement(
  deps: Deps,
  record: BurstCluster,
  eligible: readonly ServiceSpec[],
): Promise<BurstCluster | undefined> {
  if (eligible.every((s) => record.services.some((r) => r.name === s.name))) return record;
  return patchWhilePhase(deps, record, (r) => ({
    services: [
      ...r.services,
      ...eligible
        .filter((s) => !r.services.some((x) => x.name === s.name))
        .map((s) => ({ name: s.name, readyReplicas: 0, routed: false })),
    ],
  }));
}

/** What the record keeps for `spec` from the member's report (not routed yet). */
function routeOf(
  spec: ServiceSpec,
  statuses: readonly ServiceOnMember[],
  waiting: string | undefined,
): ServiceRoute {
  const status = statuses.find((s) => s.service === spec.name);
  return {
    name: spec.name,
    ...(status?.ingress && { ingress: ingressText(status.ingress) }),
    readyReplicas: status?.readyReplicas ?? 0,
    routed: false,
    ...(waiting && { waiting }),
  };
}

/**
 * What `spec` still lacks to take users, or undefined once it has a ready replica on the member,
 * an ingress, and passes its health check through that ingress (an in-cluster route needs no
 * ingress of its own).
 */
async function notServing(
  deps: Deps,
  record: BurstCluster,
  spec: ServiceSpec,
  statuses: readonly ServiceOnMember[],
  inCluster: boolean,
): Promise<string | undefined> {
  const status = statuses.find((s) => s.service === spec.name);
  const said = status?.message ? ` (${status.message})` : '';
  if (!status) return `not reported by the federation on ${record.name} yet`;
  if (status.readyReplicas < 1) {
    const count = `${status.readyReplicas}/${status.desiredReplicas} replicas ready`;
    return status.message?.startsWith(count) ? status.message : `${count}${said}`;
  }
  if (!status.ingress) return inCluster ? undefined : `no ingress address yet${said}`;
  if (await deps.probe(spec, status.ingress)) return undefined;
  return `does not pass its ${spec.health.type} health check at ${ingressText(status.ingress)}`;
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
