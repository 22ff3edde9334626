import { actualCluster, signalStates } from '../domain/actual-capacity.ts';
import { type BurstCluster, servedSignal } from '../domain/burst-cluster.ts';
import type { CapacityAction } from '../domain/capacity-plan.ts';
import { decideScaleDown, type ScaleDownDecision } from '../domain/decide-scale-down.ts';
import type { LoadReport } from '../domain/load-report.ts';
import { type ActualCluster, planCapacity } from '../domain/plan-capacity.ts';
import { type SignalState, type WantedCapacity, wantedCapacity } from '../domain/wanted-capacity.ts';
import { type AppliedAction, applyCapacity } from './apply-capacity.ts';
import type { Deps } from './deps.ts';
import { handleSignal } from './handle-signal.ts';
import { planContext } from './plan-context.ts';
import type { StepResult } from './step-result.ts';
import { drain } from './steps/drain.ts';

/** What a scale-down pass decided and did. */
export interface ScaleDownReport {
  /** The clusters drained (time to live, or the plan) and a verdict for every Active one. */
  readonly decision: ScaleDownDecision;
  readonly wanted: WantedCapacity;
  /** The clusters as the plan saw them (a busy one locked by the load). */
  readonly actual: readonly ActualCluster[];
  /** The whole capacity plan, each action with its why. */
  readonly actions: readonly CapacityAction[];
  readonly applied: readonly AppliedAction[];
  readonly results: readonly StepResult[];
}

/**
 * The level-triggered capacity pass (cron): observe the load over the window, plan wanted
 * against actual (planCapacity) and carry the plan out: shrink node pools before draining
 * clusters, keep the warm standby, and retry whatever a signal's own pass could not do. Expired
 * times to live drain as before. The load has a veto on the way down: a cluster it reports busy
 * (utilisation at or above the threshold within the window), or every cluster when the load is
 * unknown, is neither shrunk nor drained, unless its signal names a demand (the signal measures
 * the shortfall itself). With `dryRun`, plan only.
 */
export async function scaleDown(
  deps: Deps,
  options: { readonly dryRun?: boolean } = {},
): Promise<ScaleDownReport> {
  const now = deps.now();
  const measured = await measuredDemand(deps, now, options.dryRun === true);
  const records = await deps.store.list({ live: true });
  const load = await deps.load.observe({
    clusters: records.filter((r) => r.phase === 'Active'),
    windowSeconds: deps.policy.scaleDownWindowSeconds,
    now,
  });
  if (!load.ok) {
    deps.metrics.scaleDownSkipped.inc();
    deps.logger.warn(`scale-down: load unknown, draining nothing on load: ${load.why}`);
  }
  const expiry = decideScaleDown(load, records, deps.policy, now);
  const expired = expiry.verdicts.filter((v) => v.drain && /time to live expired/.test(v.why));
  // A measured load has the last word for a signal that names no demand: when every Active
  // cluster serving it stayed idle over the window (decideScaleDown's verdict), it wants nothing,
  // as before issue 12 (a lost resolved notification must not keep a burst forever).
  const idle = new Set(expiry.verdicts.filter((v) => IDLE.test(v.why)).map((v) => v.id));
  const remembered = signalStates(records, now).map((s): SignalState => {
    if (s.demand !== undefined) return s;
    const serving = records.filter((r) => servedSignal(r) === s.signalKey && !r.warm && r.phase === 'Active');
    return serving.length > 0 && serving.every((r) => idle.has(r.id))
      ? { signalKey: s.signalKey, status: 'resolved' }
      : s;
  });
  const signals = [...remembered, ...measured];
  const wanted = wantedCapacity({ signals, policy: deps.policy, now });
  const named = new Set(
    signals.filter((s) => s.status === 'firing' && s.demand !== undefined).map((s) => s.signalKey),
  );
  const clusters = records.map((r) =>
    actualCluster(r, now, named.has(servedSignal(r)) ? undefined : busy(r, load, deps)),
  );
  const actions = planCapacity({ wanted, clusters, ...planContext(deps), now }).filter(
    (a) => !('burstId' in a) || !expired.some((v) => v.id === a.burstId),
  );
  const planned = actions.filter((a) => a.kind === 'drain').map((a) => a.burstId);
  const decision = summarise(records, expiry, expired, actions, wanted);
  if (options.dryRun) return { decision, wanted, actual: clusters, actions, applied: [], results: [] };
  const results: StepResult[] = [];
  for (const v of expired) results.push(await drain(deps, v.id, `scale-down: ${v.why}`));
  // What the history says of a release: the pass, what the load showed, the plan's why.
  const said = actions.map((a): CapacityAction => {
    if (a.kind !== 'drain' && a.kind !== 'shrink') return a;
    const low = expiry.verdicts.find(
      (v) => v.id === a.burstId && /^(utilisation at most|empty for)/.test(v.why),
    );
    return { ...a, why: `scale-down: ${low ? `${low.why}; ` : ''}${a.why}` };
  });
  const applied = await applyCapacity(deps, said, { records });
  if (expired.length || planned.length) deps.logger.info(`scale-down: ${decision.why}`);
  return { decision, wanted, actual: clusters, actions, applied, results };
}

/** decideScaleDown's words for a cluster its load shows idle over the whole window. */
const IDLE = /^(utilisation at most|empty for|unneeded, but one non-empty)/;

/** The signal key under which the load driver's demand query asks for capacity. */
export const LOAD_DEMAND_KEY = 'load:demand';

/**
 * The load driver's demand query, as a signal of its own: its nodes fire (a create, a grow, a
 * cancelled drain for it, as for any signal), 0 resolves it (so the scale-down window holds its
 * capacity first). A dry run only adds it to what is planned. An unanswered query changes nothing.
 */
async function measuredDemand(deps: Deps, now: Date, dryRun: boolean): Promise<SignalState[]> {
  const reading = await deps.load.demand?.(now);
  if (!reading) return [];
  if (!reading.ok) {
    deps.logger.warn(`capacity: ${reading.why}; the demand query's capacity is left as it is`);
    return [];
  }
  const firing = reading.nodes > 0;
  if (dryRun) return firing ? [{ signalKey: LOAD_DEMAND_KEY, status: 'firing', demand: reading.nodes }] : [];
  await handleSignal(deps, {
    source: 'schedule',
    status: firing ? 'firing' : 'resolved',
    signalKey: LOAD_DEMAND_KEY,
    dedupeKey: LOAD_DEMAND_KEY,
    labels: {},
    summary: reading.why,
    at: now.toISOString(),
    ...(firing && { demand: reading.nodes }),
  });
  return [];
}

/** Why the load says `record` is still used, or undefined when it may go. */
function busy(record: BurstCluster, load: LoadReport, deps: Deps): string | undefined {
  if (!load.ok) return `load unknown (${load.why}): fail safe`;
  if (record.phase !== 'Active') return undefined;
  if (load.windowSeconds < deps.policy.scaleDownWindowSeconds)
    return `load covers ${load.windowSeconds}s, the window needs ${deps.policy.scaleDownWindowSeconds}s`;
  const util = load.perCluster[record.id] ?? load.overall;
  if (util === undefined || Number.isNaN(util)) return 'no load figure for this cluster: kept';
  if (util >= deps.policy.scaleDownThreshold)
    return `utilisation reached ${util} >= ${deps.policy.scaleDownThreshold} within the window`;
  return undefined;
}

/** The pass as a decision: what is drained (TTL and plan) and a verdict for each Active cluster. */
function summarise(
  records: readonly BurstCluster[],
  expiry: ScaleDownDecision,
  expired: ScaleDownDecision['verdicts'],
  actions: readonly CapacityAction[],
  wanted: WantedCapacity,
): ScaleDownDecision {
  const verdicts = [...expired];
  for (const r of records) {
    if (expired.some((v) => v.id === r.id)) continue;
    const action = actions.find(
      (a) => 'burstId' in a && a.burstId === r.id && (a.kind === 'drain' || a.kind === 'shrink'),
    );
    if (action) verdicts.push({ id: r.id, drain: action.kind === 'drain', why: action.why });
    else if (r.phase === 'Active') {
      const held = expiry.verdicts.find((v) => v.id === r.id);
      verdicts.push({
        id: r.id,
        drain: false,
        why: held && !held.drain ? held.why : 'kept: the plan needs it',
      });
    }
  }
  const drain = verdicts.filter((v) => v.drain).map((v) => v.id);
  const shrunk = actions.filter((a) => a.kind === 'shrink').length;
  const why = [
    drain.length ? `draining ${drain.join(', ')}` : 'nothing to drain',
    shrunk ? `${shrunk} node pool(s) shrunk` : undefined,
    wanted.why,
  ]
    .filter(Boolean)
    .join('; ');
  return { drain, verdicts, why: expiry.why.startsWith('load unknown') ? `${why}; ${expiry.why}` : why };
}
