import { isIP } from 'node:net';
import type { BurstCluster } from '../domain/burst-cluster.ts';
import type { DnsRecord } from '../domain/dns-changes.ts';
import { dnsChanges } from '../domain/dns-changes.ts';
import type { ServiceRoute } from '../domain/services.ts';
import type { GatewayServerSpec } from '../drivers/gateway/gateway.ts';
import type { Deps } from './deps.ts';

/** A service's ingress as the record keeps it (`host:port`, IPv6 in brackets). */
export function ingressText(ingress: { readonly host: string; readonly port: number }): string {
  return isIP(ingress.host) === 6 ? `[${ingress.host}]:${ingress.port}` : `${ingress.host}:${ingress.port}`;
}

/** `ingressText` read back. */
export function parseIngress(text: string): { readonly host: string; readonly port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(text.slice(at + 1)) };
}

/** The configured services the routes name, each with its ingress (routes without one drop out). */
function routedServices(deps: Deps, routes: readonly ServiceRoute[]) {
  return routes.flatMap((route) => {
    const spec = deps.config.services.find((s) => s.name === route.name);
    return spec && route.ingress ? [{ spec, ingress: parseIngress(route.ingress) }] : [];
  });
}

/**
 * The DNS records a routed burst should own, all at its services' ingresses (never the API
 * endpoint); none when the federation routes in-cluster.
 * - gateway mode: one record per service ingress in the burst zone, `<service>.<cluster>.<zone>`;
 *   users keep resolving service names to the research infrastructure's gateway.
 * - direct mode: each service hostname's weighted record, one set identifier per cluster.
 */
export function desiredDns(
  deps: Deps,
  record: BurstCluster,
  options: { readonly weight?: number; readonly services?: readonly ServiceRoute[] } = {},
): DnsRecord[] {
  if (deps.federation.inClusterRouting) return [];
  const ttl = deps.policy.dnsTtlSeconds;
  return routedServices(deps, options.services ?? record.services).map(({ spec, ingress }) => {
    const type = isIP(ingress.host) === 6 ? 'AAAA' : isIP(ingress.host) === 4 ? 'A' : 'CNAME';
    if (deps.config.dns.mode === 'gateway')
      return {
        name: `${spec.name}.${record.name}.${deps.config.dns.zone}`,
        type,
        ttl,
        values: [ingress.host],
      };
    return {
      name: spec.hostname,
      type,
      ttl,
      values: [ingress.host],
      setIdentifier: record.name,
      weight: options.weight ?? 1,
    };
  });
}

/**
 * The gateway servers a routed burst should own (gateway mode): one per service, at its ingress
 * address and port; none when the federation routes in-cluster.
 */
export function desiredServers(
  deps: Deps,
  record: BurstCluster,
  services: readonly ServiceRoute[] = record.services,
): GatewayServerSpec[] {
  if (deps.config.dns.mode !== 'gateway' || deps.federation.inClusterRouting) return [];
  return routedServices(deps, services).map(({ spec, ingress }) => ({
    backend: spec.backend ?? spec.name,
    server: record.name,
    address: ingress.host,
    port: ingress.port,
    burstId: record.id,
    protocol: spec.protocol,
  }));
}

/** Make the burst own exactly `desired` in DNS (diff against what it owns, then apply). */
export async function syncDns(
  deps: Deps,
  record: BurstCluster,
  desired: readonly DnsRecord[],
): Promise<number> {
  const current = await deps.dns.listOwned(deps.owner, { burstId: record.id });
  const changeSet = dnsChanges({ owner: deps.owner, burstId: record.id, desired, current });
  if (changeSet.changes.length) await deps.dns.apply(changeSet);
  return changeSet.changes.length;
}

/**
 * Stop new work and new traffic reaching the cluster, outermost layer first: cordon in the
 * federation, drain its gateway servers, and in direct mode set its DNS weights to 0. A gateway
 * that cannot be reached does not hold the teardown: its error is answered, and the awaitDrain step
 * drains the servers once it answers (within the drain bound).
 */
export async function drainTraffic(deps: Deps, record: BurstCluster): Promise<Error | undefined> {
  await deps.federation.cordon(record.name);
  const gateway = await drainServers(deps, record.id).then(() => undefined, asError);
  if (deps.config.dns.mode === 'direct' && record.services.length) {
    await syncDns(deps, record, desiredDns(deps, record, { weight: 0 }));
  }
  return gateway;
}

/** Put every gateway server of the burst in drain (no new traffic); returns them. */
async function drainServers(deps: Deps, burstId: string) {
  const servers = await deps.gateway.listOwned({ burstId });
  for (const server of servers) {
    if (server.state !== 'drain') await deps.gateway.drain(server);
  }
  return servers;
}

/** Remove every gateway server of the burst; `force` cuts connections still open. */
export async function removeServers(deps: Deps, burstId: string, force: boolean): Promise<number> {
  const servers = await deps.gateway.listOwned({ burstId });
  for (const server of servers) await deps.gateway.remove(server, { force });
  return servers.length;
}

/**
 * `removeServers`, answering the error instead of throwing it: a teardown past its bound goes on
 * without the gateway (see `serversLeftBehind`) rather than keep a billed cluster alive.
 */
export async function tryRemoveServers(deps: Deps, burstId: string, force: boolean): Promise<number | Error> {
  return removeServers(deps, burstId, force).catch(asError);
}

/**
 * Open connections to the burst's gateway servers (the error if the gateway cannot answer),
 * draining first any a teardown begun while the gateway was unreachable left taking traffic.
 */
export async function openConnections(deps: Deps, burstId: string): Promise<number | Error> {
  try {
    const servers = await drainServers(deps, burstId);
    const counts = await Promise.all(servers.map((s) => deps.gateway.connections(s)));
    return counts.reduce((a, b) => a + b, 0);
  } catch (error) {
    return asError(error);
  }
}

/** What a teardown that went on without the gateway says about the servers it left there. */
export function serversLeftBehind(error: Error): string {
  return `gateway unreachable (${error.message}): its servers stay recorded for removal, which finalize or reconcile does once the gateway answers`;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
