import type { BurstCluster } from '../../domain/burst-cluster.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { openConnections, serversLeftBehind, tryRemoveServers } from '../traffic.ts';
import { commitWhilePhase, patchWhilePhase } from '../transition.ts';

/**
 * Take the burst's services off the member and wait, bounded by `moveHomeTimeoutSeconds` from
 * the first try, until the home clusters report the replicas ready. Past the bound the burst
 * stays Draining with the why on the record (never deleted under users' feet) and the move is
 * tried again on every poll; an operator's forced DELETE stops the wait.
 */
async function moveHome(
  deps: Deps,
  record: BurstCluster,
  forced: boolean,
): Promise<
  | { readonly done: true; readonly why: string; readonly record: BurstCluster }
  | { readonly done: false; readonly result: StepResult }
> {
  const id = record.id;
  const placed = deps.config.services.filter((s) => record.services.some((r) => r.name === s.name));
  if (!placed.length) return { done: true, why: 'no service was placed on it', record };
  if (record.teardown.forceRequestedAt)
    return { done: true, why: 'forced teardown: replicas not waited for at home', record };
  let current: BurstCluster | undefined = record;
  if (!record.teardown.moveHomeStartedAt) {
    const at = deps.now().toISOString();
    current = await patchWhilePhase(deps, record, (r) => ({
      teardown: { ...r.teardown, moveHomeStartedAt: at, ...(forced && { forced }) },
    }));
    if (!current) return { done: false, result: waiting(id, 'awaitDrain', 'another worker moved it on') };
  }
  const moved = await deps.federation.unplace(record.name, placed);
  const names = placed.map((s) => s.name).join(', ');
  if (moved.done) return { done: true, why: `${names} moved home (${moved.why})`, record: current };
  const started = Date.parse(current.teardown.moveHomeStartedAt ?? deps.now().toISOString());
  const waited = Math.round((deps.now().getTime() - started) / 1000);
  const bound = deps.policy.moveHomeTimeoutSeconds;
  if (waited < bound)
    return {
      done: false,
      result: waiting(
        id,
        'awaitDrain',
        `moving ${names} home: ${moved.why} after ${waited}s (bound ${bound}s)`,
        'Draining',
      ),
    };
  const why = `home could not take the replicas of ${names} back within the ${bound}s move-home bound (${moved.why}): the burst stays Draining, not deleted; a forced DELETE deletes it anyway`;
  if (current.lastError !== why) {
    deps.logger.warn(why, { burstId: id, phase: current.phase });
    await patchWhilePhase(deps, current, () => ({ lastError: why }));
  }
  return { done: false, result: waiting(id, 'awaitDrain', why, 'Draining') };
}

/**
 * Draining -> Leaving (the step `awaitDrain`; the federation's `leave` comes after, in
 * deleteCluster): wait (bounded by the drain timeout) until the gateway reports no open
 * connections and, in direct mode, the DNS TTL has passed since the weights went to 0; then
 * remove the gateway servers (cutting what is left if the bound was hit), move the services home
 * (`moveHome`: bounded, and the burst is never deleted before they are back) and evict workloads.
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
  const forced = open > 0 || gatewayDown !== undefined || record.teardown.forced === true;
  if (!gatewayDown) {
    const removed = await tryRemoveServers(deps, id, forced);
    if (removed instanceof Error && !past) throw removed;
    if (removed instanceof Error) gatewayDown = removed;
  }
  // Make before break: the replicas are back and ready at home before the member goes.
  const home = await moveHome(deps, record, forced);
  if (!home.done) return home.result;
  await deps.federation.evict(record.name);
  const drained = gatewayDown
    ? `drain bound of ${bound}s reached; ${serversLeftBehind(gatewayDown)}`
    : forced
      ? `drain bound of ${bound}s reached with connections open: cut them, servers removed`
      : `drained in ${Math.round(elapsed)}s with no connection left; servers removed`;
  const why = `${drained}; ${home.why}; workloads evicted`;
  const saved = await commitWhilePhase(deps, home.record, 'Leaving', why, (r) => ({
    teardown: { ...r.teardown, forced },
  }));
  return saved
    ? { burstId: id, step: 'awaitDrain', outcome: 'moved', from: 'Draining', to: 'Leaving', why }
    : waiting(id, 'awaitDrain', 'another worker moved it on');
}
