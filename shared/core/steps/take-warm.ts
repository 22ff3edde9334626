import type { BurstCluster } from '../../domain/burst-cluster.ts';
import type { Phase } from '../../domain/lifecycle.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { noop, type StepResult, waiting } from '../step-result.ts';
import { eventFor, patchWhilePhase } from '../transition.ts';
import { costAt, followResize } from './resize-burst.ts';

/** Phases a warm standby cluster may be taken in (it serves nothing in any of them). */
const TAKEABLE: readonly Phase[] = ['Requested', 'Provisioning', 'Ready', 'Joined'];

/**
 * Take a warm standby cluster for a signal (the planner's `takeWarm`): uncordon it, write it as
 * serving the signal at `nodes` nodes (with ClusterJoined again when it is joined, so the route
 * step runs now), then ask the provider for the nodes. The route step makes it Active once the
 * resize settled and its endpoint passes the health check. Only a cluster still warm is taken:
 * two signals racing for one get it once (compare-and-swap); the loser's next plan looks elsewhere.
 */
export async function takeWarm(
  deps: Deps,
  id: string,
  nodes: number,
  why: string,
  signal: { readonly signalKey: string; readonly demand?: number },
): Promise<StepResult> {
  const record = await loadFor(deps, id, 'takeWarm', TAKEABLE);
  if (isResult(record)) return record;
  if (!record.warm) return noop(id, 'takeWarm', 'already taken by a burst', record.phase);
  if (record.phase === 'Joined') await deps.federation.uncordon(record.name);
  const at = deps.now().toISOString();
  const saved = await patchWhilePhase(
    deps,
    record,
    (r): Partial<BurstCluster> => ({
      warm: false,
      servesSignal: signal.signalKey,
      demand: signal.demand,
      signalResolvedAt: undefined,
      nodes,
      costPerHour: costAt(deps, r, nodes),
      ...(r.nodes !== nodes && { resize: { state: 'resizing' as const, since: at, from: r.nodes, why } }),
    }),
    (fresh) => fresh.warm === true && TAKEABLE.includes(fresh.phase),
    (s) => (s.phase === 'Joined' ? [eventFor(s, 'ClusterJoined', s.version)] : []),
  );
  if (!saved) return noop(id, 'takeWarm', 'another burst took it first', record.phase);
  deps.checkpoint('after-take-warm');
  if (saved.phase === 'Joined') await followResize(deps, saved, 'takeWarm');
  return waiting(id, 'takeWarm', `taken at ${nodes} node(s): ${why}`, saved.phase);
}
