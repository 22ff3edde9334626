import { type BurstCluster, servedSignal } from '../domain/burst-cluster.ts';
import type { CapacityAction } from '../domain/capacity-plan.ts';
import type { CapacitySignal } from '../domain/capacity-signal.ts';
import { decideBurst } from '../domain/decide-burst.ts';
import { peaksAfter } from '../domain/demand-peaks.ts';
import { isLive } from '../domain/lifecycle.ts';
import { burstIdFor } from '../domain/names.ts';
import { planCapacity, shortfall } from '../domain/plan-capacity.ts';
import type { AdmitClose } from '../drivers/store/store.ts';
import { capacityNow, freshId, requestedRecord, stateOf } from './admit-planned.ts';
import { applyCapacity } from './apply-capacity.ts';
import type { Deps } from './deps.ts';
import { planContext } from './plan-context.ts';
import { nothingMayBurst } from './services.ts';
import { eventFor, patchRecord } from './transition.ts';

/** What became of a signal; the HTTP answer (202) carries it. */
export interface SignalOutcome {
  readonly decision: 'burst' | 'duplicate' | 'refused' | 'ignored' | 'resolved';
  readonly why: string;
  /** The burst created, or the one that already serves this signal. */
  readonly burstId?: string;
  /** Bursts whose signal was marked resolved. */
  readonly resolved?: readonly string[];
  readonly record?: BurstCluster;
  /** The replaced burst, as closed by the same admission (`AdmitOptions.close`). */
  readonly closed?: BurstCluster;
  /** The capacity actions carried out for the signal, each with its why. */
  readonly actions?: readonly {
    readonly kind: CapacityAction['kind'];
    readonly burstId?: string;
    readonly outcome: 'done' | 'skipped';
    readonly why: string;
  }[];
}

/**
 * The core of every capacity trigger: a firing signal's demand is planned against the capacity
 * there is (planCapacity) and the actions for it carried out, new clusters through the store's
 * atomic admission so limits hold under concurrency. A resolved signal marks its bursts so
 * scale-down can see the load fall.
 */
export async function handleSignal(deps: Deps, signal: CapacitySignal): Promise<SignalOutcome> {
  const outcome =
    signal.status === 'ignored'
      ? { decision: 'ignored' as const, why: signal.why ?? 'no action needed' }
      : signal.status === 'resolved'
        ? await markResolved(deps, signal)
        : await followDemand(deps, signal);
  deps.metrics.signals.inc({ source: signal.source, outcome: outcome.decision });
  deps.logger.info(`signal ${signal.status}: ${outcome.decision}: ${outcome.why}`, {
    source: signal.source,
    signalKey: signal.signalKey,
    ...(outcome.burstId && { burstId: outcome.burstId }),
  });
  return outcome;
}

/**
 * A firing signal: remember its demand on the records serving it (clearing a resolved mark),
 * plan wanted against actual with it (level-triggered: a repeat with the same demand plans
 * nothing, so duplicates are harmless by construction), and carry out the actions for this
 * signal: cancel a drain, grow, take a warm cluster, create through the admission.
 */
async function followDemand(deps: Deps, signal: CapacitySignal): Promise<SignalOutcome> {
  const nothing = nothingMayBurst(deps);
  if (nothing) return { decision: 'refused', why: nothing };
  const state = stateOf(signal);
  const extra = [state];
  const demand = state.demand;
  let records = await deps.store.list({ live: true });
  let serving = liveFor(records, signal);
  const stale = serving.filter((r) => r.demand !== demand || r.signalResolvedAt !== undefined);
  if (stale.length > 0) {
    await remember(deps, stale, demand);
    records = await deps.store.list({ live: true });
    serving = liveFor(records, signal);
  }
  const { wanted, clusters, now } = capacityNow(deps, records, extra);
  const want = wanted.signals.find((w) => w.signalKey === signal.signalKey);
  // The plan adds capacity for a signal only while it is short: a repeat its clusters cover
  // (every duplicate delivery) is answered without planning the whole fleet.
  const covered = serving.length > 0 && shortfall(want, clusters) <= 0;
  const actions = covered ? [] : planCapacity({ wanted, clusters, ...planContext(deps), now });
  const mine = actions.filter((a) => forSignal(a, signal.signalKey, records, actions));
  if (mine.length === 0) {
    const first = serving[0];
    if (first) {
      return {
        decision: 'duplicate',
        burstId: first.id,
        why: `signal already served by burst ${first.id} (${first.phase}): ${want?.nodes ?? 0} node(s) wanted, ${serving.reduce((n, r) => n + (isServing(r) ? r.nodes : 0), 0)} there or on the way`,
      };
    }
    return { decision: 'refused', why: refusal(deps, signal, records) };
  }
  const applied = await applyCapacity(deps, mine, { records, signal, extra });
  const done = applied.filter((a) => a.outcome === 'done');
  if (done.length === 0) {
    // A concurrent delivery of the same signal may have been admitted since the records were
    // read (the admission plans again under its lock and finds it): that burst serves this one.
    const first = serving[0] ?? liveFor(await deps.store.list({ live: true }), signal)[0];
    const why = applied.map((a) => a.why).join('; ');
    return first
      ? {
          decision: 'duplicate',
          burstId: first.id,
          why: `signal already served by burst ${first.id} (${first.phase}); ${why}`,
        }
      : { decision: 'refused', why: why || refusal(deps, signal, records) };
  }
  const record = done[0]!.burstId ? await deps.store.get(done[0]!.burstId) : undefined;
  return {
    decision: 'burst',
    burstId: done[0]!.burstId,
    why: done.map((a) => a.action.why).join('; '),
    actions: applied.map((a) => ({
      kind: a.action.kind,
      ...(a.burstId && { burstId: a.burstId }),
      outcome: a.outcome,
      why: a.why,
    })),
    ...(record && { record }),
  };
}

/** Whether an action of the plan serves `key` (creates and warm takes name it; others by their burst). */
function forSignal(
  action: CapacityAction,
  key: string,
  records: readonly BurstCluster[],
  plan: readonly CapacityAction[],
): boolean {
  if (action.kind === 'create' || action.kind === 'takeWarm') return action.signalKey === key;
  if (action.kind === 'shrink' || action.kind === 'drain') return false;
  if (action.kind === 'cancelDrain' && action.signalKey !== undefined) return action.signalKey === key;
  // A grow of a drain this plan hands over to the signal is the signal's too.
  const handed = plan.find(
    (a) => a.kind === 'cancelDrain' && a.burstId === action.burstId && a.signalKey === key,
  );
  const record = records.find((r) => r.id === action.burstId);
  return handed !== undefined || (record !== undefined && servedSignal(record) === key);
}

function isServing(record: BurstCluster): boolean {
  return ['Requested', 'Provisioning', 'Ready', 'Joined', 'Active'].includes(record.phase);
}

/** Why the plan adds nothing for a signal no cluster serves: the limit it hit, in words. */
function refusal(deps: Deps, signal: CapacitySignal, records: readonly BurstCluster[]): string {
  const decision = decideBurst({
    signal: { ...signal, signalKey: `${signal.signalKey}#refusal` },
    clusters: records,
    ...planContext(deps),
    policy: { ...deps.policy, cooldownSeconds: 0 },
    now: deps.now(),
  });
  return decision.burst ? 'the plan adds no capacity for it' : decision.why;
}

/**
 * Write the signal's demand on the records serving it that do not hold it yet, and clear a
 * resolved mark, so the next plan (here, or the scale-down pass) sees it.
 */
async function remember(
  deps: Deps,
  records: readonly BurstCluster[],
  demand: number | undefined,
): Promise<void> {
  for (const record of records) {
    // The demand it leaves becomes a peak, so the way down waits out the scale-down window.
    const at = deps.now().toISOString();
    await retryPatch(deps, record, (current) => ({
      demand,
      signalResolvedAt: undefined,
      demandPeaks: peaksAfter(current, demand, at, deps.policy),
    }));
  }
}

/** What an admission may be told beyond the signal (a re-placement after a quota error). */
export interface AdmitOptions {
  readonly exclude?: readonly string[];
  /** The burst being replaced; the new id is derived from it, so a retried replacement collides. */
  readonly replaces?: string;
  /**
   * How to close the replaced burst (as it is stored now) once its replacement's id is known:
   * written in the same admission, so the two never hold a slot of max clusters or the budget
   * together.
   */
  readonly close?: (replaced: BurstCluster, replacementId: string) => AdmitClose | undefined;
  /** The replaced burst's demand peaks, so its replacement holds the way down alike. */
  readonly demandPeaks?: BurstCluster['demandPeaks'];
}

/**
 * Decide and, if the decision is to burst, insert a Requested record with its BurstRequested
 * event, atomically against every other admission (store.admit), so max clusters and the budget
 * hold under any concurrency. The id comes from the installation and the dedupe key, so
 * duplicates collide; an episode whose earlier burst already ended gets a fresh id (`#n`).
 */
export async function admitSignal(
  deps: Deps,
  signal: CapacitySignal,
  options: AdmitOptions = {},
): Promise<SignalOutcome> {
  const now = deps.now();
  // Admission reads the live records and this signal's ones: all decideBurst looks at.
  const result = await deps.store.admit(signal.signalKey, (records) => {
    const decision = decideBurst({
      signal,
      clusters: records,
      ...planContext(deps),
      now,
      exclude: options.exclude,
      replaces: options.replaces,
    });
    if (!decision.burst) return { admit: false, why: decision.why, duplicateOf: decision.duplicateOf };
    const id = options.replaces
      ? burstIdFor(deps.owner, `${options.replaces}>${options.exclude?.join(',') ?? ''}`)
      : freshId(deps.owner, signal.dedupeKey, records);
    const why = options.replaces
      ? `replaces ${options.replaces} after a quota error; ${decision.why}`
      : decision.why;
    const record = requestedRecord(deps, signal, { id, ...decision }, now, why, {
      ...(signal.demand !== undefined && { demand: signal.demand }),
      ...(options.demandPeaks?.length && { demandPeaks: options.demandPeaks }),
      ...(options.replaces && { replaces: options.replaces }),
      ...(options.exclude?.length && { excludedProviders: options.exclude }),
    });
    const replaced = options.replaces ? records.find((r) => r.id === options.replaces) : undefined;
    const close = replaced && isLive(replaced.phase) ? options.close?.(replaced, id) : undefined;
    return { admit: true, record, events: [eventFor(record, 'BurstRequested', 1)], ...(close && { close }) };
  });
  if (result.admitted) {
    return {
      decision: 'burst',
      burstId: result.record.id,
      why: result.record.history[0]!.why,
      record: result.record,
      ...(result.closed && { closed: result.closed }),
    };
  }
  if (result.duplicateOf) return { decision: 'duplicate', burstId: result.duplicateOf, why: result.why };
  return { decision: 'refused', why: result.why };
}

/** Note on each live burst of this signal that it resolved (the signal load driver reads it). */
async function markResolved(deps: Deps, signal: CapacitySignal): Promise<SignalOutcome> {
  const marked: string[] = [];
  for (const record of liveFor(await deps.store.list({ live: true }), signal)) {
    if (record.signalResolvedAt) {
      marked.push(record.id);
      continue;
    }
    const saved = await retryPatch(deps, record, { signalResolvedAt: signal.at });
    if (saved) marked.push(record.id);
  }
  const why = marked.length
    ? `signal resolved for ${marked.join(', ')}; scale-down drains after the load stays low`
    : 'signal resolved; no live burst serves it';
  return { decision: 'resolved', why, resolved: marked };
}

function liveFor(records: readonly BurstCluster[], signal: CapacitySignal): BurstCluster[] {
  return records.filter((r) => isLive(r.phase) && !r.warm && servedSignal(r) === signal.signalKey);
}

async function retryPatch(
  deps: Deps,
  record: BurstCluster,
  patch: Partial<BurstCluster> | ((current: BurstCluster) => Partial<BurstCluster>),
): Promise<BurstCluster | undefined> {
  let current: BurstCluster | undefined = record;
  for (let attempt = 0; attempt < 5 && current; attempt++) {
    const saved = await patchRecord(deps, current, typeof patch === 'function' ? patch(current) : patch);
    if (saved) return saved;
    current = await deps.store.get(record.id);
  }
  return undefined;
}
