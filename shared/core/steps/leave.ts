import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { removeServers } from '../traffic.ts';
import { commitWhilePhase } from '../transition.ts';

/**
 * Draining -> Leaving: wait (bounded by the drain timeout) until the gateway reports no open
 * connections and, in direct mode, the DNS TTL has passed since the weights went to 0; then
 * remove the gateway servers (cutting what is left if the bound was hit) and evict workloads.
 * Polled by clusterHealth, so the wait costs no running function.
 */
export async function leave(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'leave', ['Draining']);
  if (isResult(record)) return record;
  const started = Date.parse(record.teardown.drainStartedAt ?? record.updatedAt);
  const elapsed = (deps.now().getTime() - started) / 1000;
  const servers = await deps.gateway.listOwned({ burstId: id });
  const open = (await Promise.all(servers.map((s) => deps.gateway.connections(s)))).reduce(
    (a, b) => a + b,
    0,
  );
  const ttl = deps.config.dns.mode === 'direct' ? deps.policy.dnsTtlSeconds : 0;
  const bound = deps.policy.drainTimeoutSeconds;
  const settled = open === 0 && elapsed >= ttl;
  if (!settled && elapsed < bound) {
    const what = open > 0 ? `${open} connections open` : `DNS TTL ${ttl}s not yet passed`;
    return waiting(
      id,
      'leave',
      `draining: ${what} after ${Math.round(elapsed)}s (bound ${bound}s)`,
      'Draining',
    );
  }
  const forced = open > 0;
  await removeServers(deps, id, forced);
  await deps.federation.evict(record.name);
  const why = forced
    ? `drain bound of ${bound}s reached with ${open} connections open: cut them, servers removed, workloads evicted`
    : `drained in ${Math.round(elapsed)}s with no connection left; servers removed, workloads evicted`;
  const saved = await commitWhilePhase(deps, record, 'Leaving', why, (r) => ({
    teardown: { ...r.teardown, forced },
  }));
  return saved
    ? { burstId: id, step: 'leave', outcome: 'moved', from: 'Draining', to: 'Leaving', why }
    : waiting(id, 'leave', 'another worker moved it on');
}
