import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { openConnections, serversLeftBehind, tryRemoveServers } from '../traffic.ts';
import { commitWhilePhase } from '../transition.ts';

/**
 * Draining -> Leaving (the step `awaitDrain`; the federation's `leave` comes after, in
 * deleteCluster): wait (bounded by the drain timeout) until the gateway reports no open
 * connections and, in direct mode, the DNS TTL has passed since the weights went to 0; then
 * remove the gateway servers (cutting what is left if the bound was hit) and evict workloads.
 * A gateway that cannot be reached is waited for within the same bound, then left behind: its
 * servers stay on the record, and finalize (or reconcile) removes them once it answers.
 * Polled by clusterHealth, so the wait costs no running function.
 */
export async function awaitDrain(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'awaitDrain', ['Draining']);
  if (isResult(record)) return record;
  const started = Date.parse(record.teardown.drainStartedAt ?? record.updatedAt);
  const elapsed = (deps.now().getTime() - started) / 1000;
  const counted = await openConnections(deps, id);
  const open = counted instanceof Error ? 0 : counted;
  const ttl = deps.config.dns.mode === 'direct' ? deps.policy.dnsTtlSeconds : 0;
  const bound = deps.policy.drainTimeoutSeconds;
  const past = elapsed >= bound;
  const settled = !(counted instanceof Error) && open === 0 && elapsed >= ttl;
  if (!settled && !past) {
    const what =
      counted instanceof Error
        ? `gateway unreachable (${counted.message})`
        : open > 0
          ? `${open} connections open`
          : `DNS TTL ${ttl}s not yet passed`;
    return waiting(
      id,
      'awaitDrain',
      `draining: ${what} after ${Math.round(elapsed)}s (bound ${bound}s)`,
      'Draining',
    );
  }
  // Past the bound an unreachable gateway is no reason to wait: the servers are left to finalize.
  let gatewayDown = counted instanceof Error ? counted : undefined;
  const forced = open > 0 || gatewayDown !== undefined;
  if (!gatewayDown) {
    const removed = await tryRemoveServers(deps, id, forced);
    if (removed instanceof Error && !past) throw removed;
    if (removed instanceof Error) gatewayDown = removed;
  }
  await deps.federation.evict(record.name);
  const why = gatewayDown
    ? `drain bound of ${bound}s reached: workloads evicted; ${serversLeftBehind(gatewayDown)}`
    : open > 0
      ? `drain bound of ${bound}s reached with ${open} connections open: cut them, servers removed, workloads evicted`
      : `drained in ${Math.round(elapsed)}s with no connection left; servers removed, workloads evicted`;
  const saved = await commitWhilePhase(deps, record, 'Leaving', why, (r) => ({
    teardown: { ...r.teardown, forced },
  }));
  return saved
    ? { burstId: id, step: 'awaitDrain', outcome: 'moved', from: 'Draining', to: 'Leaving', why }
    : waiting(id, 'awaitDrain', 'another worker moved it on');
}
