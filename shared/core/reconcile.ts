import type { OwnedGatewayServerRef } from '../domain/burst-cluster.ts';
import { dnsChanges } from '../domain/dns-changes.ts';
import { isLive } from '../domain/lifecycle.ts';
import { BURST_ID_LABEL, ownedServerPrefix } from '../domain/names.ts';

import { keepWarm } from './apply-capacity.ts';
import { type PassReport, runAll } from './cluster-health.ts';
import type { Deps } from './deps.ts';
import { drain } from './steps/drain.ts';
import { teardownPending } from './steps/request-teardown.ts';
import { patchWhilePhase } from './transition.ts';

/** What reconcile found and did. */
export interface ReconcileReport extends PassReport {
  /** Outbox events published (acked) that a crashed writer had left behind. */
  readonly published: number;
  /** Ended records removed after the store's retention. */
  readonly pruned: number;
  readonly orphans: {
    readonly clusters: readonly string[];
    readonly members: readonly string[];
    readonly dnsRecords: readonly string[];
    readonly gatewayServers: readonly string[];
  };
}

/**
 * The level-triggered safety net (cron): publish what the outbox still holds, re-drive every
 * live burst that has not moved for longer than `stuckAfterSeconds`, and clean up orphans —
 * clusters, members, DNS records and gateway servers tagged as ours with no live record.
 * Resources without our owner tag are never listed, so never touched. The live set is a
 * snapshot taken before the (slow) listings, so each orphan's record is read again right
 * before anything of it is deleted: a burst admitted meanwhile is not an orphan. Gateway servers
 * a teardown left behind while the gateway was unreachable are removed here once it answers.
 */
export async function reconcile(deps: Deps): Promise<ReconcileReport> {
  const { acked: published } = await deps.relay.flush();
  const now = deps.now().getTime();
  const records = await deps.store.list({ live: true });
  const stuck = records.filter(
    (r) => isLive(r.phase) && now - Date.parse(r.updatedAt) > deps.policy.stuckAfterSeconds * 1000,
  );
  // A teardown request whose event was lost (dead-lettered) is taken up here.
  const requested = stuck.filter(teardownPending);
  const advanced = await runAll(
    deps,
    stuck.filter((r) => !teardownPending(r)).map((r) => ({ id: r.id, phase: r.phase })),
  );
  const drained = await Promise.allSettled(requested.map((r) => drain(deps, r.id)));
  const pass = {
    results: [...advanced.results, ...drained.flatMap((d) => (d.status === 'fulfilled' ? [d.value] : []))],
    errors: [
      ...advanced.errors,
      ...drained.flatMap((d, n) =>
        d.status === 'rejected'
          ? [
              {
                burstId: requested[n]!.id,
                error: d.reason instanceof Error ? d.reason.message : String(d.reason),
              },
            ]
          : [],
      ),
    ],
  };
  const errors = [...pass.errors];
  // A warm standby cluster that failed (or was taken) is replaced.
  await keepWarm(deps).catch((error: unknown) => {
    errors.push({ burstId: '(warm)', error: `keeping warm clusters: ${(error as Error).message}` });
  });
  const live = new Set((await deps.store.list({ live: true })).map((r) => r.id));
  const orphans = await cleanOrphans(deps, live, errors);
  // Ended records past the retention go (cooldown and duplicates only look at recent ones).
  const pruned = await deps.store.prune().catch((error: unknown) => {
    errors.push({ burstId: '(none)', error: `pruning ended records: ${(error as Error).message}` });
    return 0;
  });
  const found = Object.values(orphans).flat().length;
  if (found || stuck.length || published || pruned) {
    deps.logger.info(
      `reconcile: ${published} events published, ${stuck.length} stuck re-driven, ${found} orphans cleaned, ${pruned} ended records pruned`,
      {
        orphans,
      },
    );
  }
  return { results: pass.results, errors, published, pruned, orphans };
}

async function cleanOrphans(
  deps: Deps,
  live: ReadonlySet<string>,
  errors: { burstId: string; error: string }[],
): Promise<ReconcileReport['orphans']> {
  // One failing orphan (a provider refusing a delete for now) must not stop the others.
  const attempt = async (burstId: string | undefined, what: string, action: () => Promise<unknown>) => {
    try {
      await action();
      return true;
    } catch (error) {
      errors.push({ burstId: burstId ?? '(none)', error: `${what}: ${(error as Error).message}` });
      deps.logger.warn(`reconcile: ${what} failed, will retry: ${(error as Error).message}`, { burstId });
      return false;
    }
  };
  const orphaned = async (burstId: string | undefined) => {
    if (burstId && live.has(burstId)) return false;
    if (!burstId) return true;
    const record = await deps.store.get(burstId);
    return !record || !isLive(record.phase);
  };
  const clusters: string[] = [];
  for (const provider of deps.providers.values()) {
    await attempt(undefined, `listing clusters at ${provider.name}`, async () => {
      for (const cluster of await provider.list(deps.owner)) {
        const burstId = cluster.labels[BURST_ID_LABEL];
        if (!(await orphaned(burstId))) continue;
        // Asked again on every pass, even while deleting: some providers delete in steps (EKS
        // node groups, then the cluster), and each call moves the deletion on.
        clusters.push(`${provider.name}/${cluster.name}`);
        if (cluster.state !== 'deleting') deps.metrics.orphans.inc({ kind: 'cluster' });
        await attempt(burstId, `deleting orphan cluster ${cluster.name}`, () =>
          provider.delete(cluster.name, deps.owner),
        );
        deps.logger.warn(`orphan cluster ${cluster.name} at ${provider.name}: no live record, deleting`, {
          burstId,
        });
      }
    });
  }
  const members: string[] = [];
  await attempt(undefined, 'listing federation members', async () => {
    for (const member of await deps.federation.list(deps.owner)) {
      const burstId = member.labels[BURST_ID_LABEL];
      if (!(await orphaned(burstId))) continue;
      if (
        await attempt(burstId, `unjoining orphan member ${member.name}`, () =>
          deps.federation.leave(member.name, { force: true }),
        )
      ) {
        members.push(member.name);
        deps.metrics.orphans.inc({ kind: 'member' });
      }
    }
  });
  const dnsRecords: string[] = [];
  await attempt(undefined, 'listing DNS records', async () => {
    const owned = await deps.dns.listOwned(deps.owner);
    for (const burstId of new Set(owned.map((r) => r.burstId))) {
      if (!(await orphaned(burstId))) continue;
      const current = owned.filter((r) => r.burstId === burstId);
      const changeSet = dnsChanges({ owner: deps.owner, burstId, desired: [], current });
      if (await attempt(burstId, 'removing orphan DNS records', () => deps.dns.apply(changeSet))) {
        dnsRecords.push(...current.map((r) => `${r.name} ${r.type}`));
        deps.metrics.orphans.inc({ kind: 'dns' }, current.length);
      }
    }
  });
  const gatewayServers: string[] = [];
  await attempt(undefined, 'listing gateway servers', async () => {
    // A shared gateway holds other installations' servers too: only names with our prefix are ours.
    const prefix = ownedServerPrefix(deps.owner);
    for (const server of await deps.gateway.listOwned()) {
      if (!server.server.startsWith(prefix) || !(await orphaned(server.burstId))) continue;
      if (
        await attempt(server.burstId, `removing orphan server ${server.server}`, () =>
          deps.gateway.remove(server, { force: true }),
        )
      ) {
        gatewayServers.push(`${server.backend}/${server.server}`);
        deps.metrics.orphans.inc({ kind: 'gateway' });
        await attempt(server.burstId, `noting ${server.server} removed on its record`, () =>
          forgetServer(deps, server),
        );
      }
    }
  });
  return { clusters, members, dnsRecords, gatewayServers };
}

/**
 * A record closed while the gateway was unreachable still lists its servers as to be removed;
 * once reconcile has removed one, the record stops listing it.
 */
async function forgetServer(deps: Deps, server: OwnedGatewayServerRef & { readonly burstId: string }) {
  const same = (s: OwnedGatewayServerRef) => s.backend === server.backend && s.server === server.server;
  const record = await deps.store.get(server.burstId);
  if (!record || isLive(record.phase) || !record.gatewayServers.some(same)) return;
  await patchWhilePhase(deps, record, (r) => ({ gatewayServers: r.gatewayServers.filter((s) => !same(s)) }));
}
