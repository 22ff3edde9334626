import type { BurstCluster } from '../domain/burst-cluster.ts';
import type { CapacitySignal } from '../domain/capacity-signal.ts';
import { decideBurst } from '../domain/decide-burst.ts';
import { isLive } from '../domain/lifecycle.ts';
import { burstIdFor, clusterNameFor } from '../domain/names.ts';
import type { AdmitClose } from '../drivers/store/store.ts';
import type { Deps } from './deps.ts';
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
}

/**
 * The core of every capacity trigger: decide, and if the decision is to burst, admit a new
 * record (Requested) with its BurstRequested event, atomically against the store so limits hold
 * under concurrency. A resolved signal marks its bursts so scale-down can see the load fall.
 */
export async function handleSignal(deps: Deps, signal: CapacitySignal): Promise<SignalOutcome> {
  const outcome = await decide(deps, signal);
  deps.metrics.signals.inc({ source: signal.source, outcome: outcome.decision });
  deps.logger.info(`signal ${signal.status}: ${outcome.decision}: ${outcome.why}`, {
    source: signal.source,
    signalKey: signal.signalKey,
    ...(outcome.burstId && { burstId: outcome.burstId }),
  });
  return outcome;
}

async function decide(deps: Deps, signal: CapacitySignal): Promise<SignalOutcome> {
  if (signal.status === 'ignored') return { decision: 'ignored', why: signal.why ?? 'no action needed' };
  if (signal.status === 'resolved') return markResolved(deps, signal);
  // One read of this signal's records serves both: clearing a resolved mark, and answering
  // duplicates (the common case: repeats, HA pairs, retries) without taking the admission lock.
  // Anything else is decided again under the lock.
  const records = await deps.store.list({ signalKey: signal.signalKey });
  await clearResolved(deps, signal, records);
  const early = decideBurst({
    signal,
    clusters: records,
    policy: deps.policy,
    offers: deps.offers,
    now: deps.now(),
  });
  if (!early.burst && early.duplicateOf)
    return { decision: 'duplicate', burstId: early.duplicateOf, why: early.why };
  return admitSignal(deps, signal);
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
  const at = now.toISOString();
  // Admission reads the live records and this signal's ones: all decideBurst looks at.
  const result = await deps.store.admit(signal.signalKey, (records) => {
    const decision = decideBurst({
      signal,
      clusters: records,
      policy: deps.policy,
      offers: deps.offers,
      now,
      exclude: options.exclude,
      replaces: options.replaces,
    });
    if (!decision.burst) return { admit: false, why: decision.why, duplicateOf: decision.duplicateOf };
    const id = options.replaces
      ? burstIdFor(deps.owner, `${options.replaces}>${options.exclude?.join(',') ?? ''}`)
      : freshId(deps.owner, signal.dedupeKey, records);
    const ttl = signal.hints?.ttlSeconds;
    const why = options.replaces
      ? `replaces ${options.replaces} after a quota error; ${decision.why}`
      : decision.why;
    const record: BurstCluster = {
      id,
      name: clusterNameFor(deps.owner, id),
      owner: deps.owner,
      phase: 'Requested',
      provider: decision.provider,
      region: decision.region,
      nodes: decision.nodes,
      reason: {
        source: signal.source,
        signalKey: signal.signalKey,
        dedupeKey: signal.dedupeKey,
        summary: signal.summary,
      },
      dnsRecords: [],
      gatewayServers: [],
      services: [],
      costPerHour: decision.costPerHour,
      ...(ttl !== undefined && { expiresAt: new Date(now.getTime() + ttl * 1000).toISOString() }),
      ...(options.replaces && { replaces: options.replaces }),
      ...(options.exclude?.length && { excludedProviders: options.exclude }),
      teardown: {},
      createdAt: at,
      updatedAt: at,
      history: [{ phase: 'Requested', at, why }],
      version: 0,
    };
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

/**
 * The id for an episode: from its dedupe key, `#n` for the n-th burst of the same episode. The
 * first id not held by a stored record of the signal, so an earlier burst pruned after its
 * retention cannot make the count point at one still kept.
 */
function freshId(owner: string, dedupeKey: string, records: readonly BurstCluster[]): string {
  const taken = new Set(records.map((r) => r.id));
  for (let n = 0; ; n++) {
    const id = burstIdFor(owner, n === 0 ? dedupeKey : `${dedupeKey}#${n}`);
    if (!taken.has(id)) return id;
  }
}

/** Note on each live burst of this signal that it resolved (the signal load driver reads it). */
async function markResolved(deps: Deps, signal: CapacitySignal): Promise<SignalOutcome> {
  const marked: string[] = [];
  for (const record of liveFor(await deps.store.list({ signalKey: signal.signalKey, live: true }), signal)) {
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

/** A signal that fires again after resolving keeps its burst busy. */
async function clearResolved(
  deps: Deps,
  signal: CapacitySignal,
  records: readonly BurstCluster[],
): Promise<void> {
  for (const record of liveFor(records, signal)) {
    if (record.signalResolvedAt) await retryPatch(deps, record, { signalResolvedAt: undefined });
  }
}

function liveFor(records: readonly BurstCluster[], signal: CapacitySignal): BurstCluster[] {
  return records.filter((r) => isLive(r.phase) && r.reason.signalKey === signal.signalKey);
}

async function retryPatch(
  deps: Deps,
  record: BurstCluster,
  patch: Partial<BurstCluster>,
): Promise<BurstCluster | undefined> {
  let current: BurstCluster | undefined = record;
  for (let attempt = 0; attempt < 5 && current; attempt++) {
    const saved = await patchRecord(deps, current, patch);
    if (saved) return saved;
    current = await deps.store.get(record.id);
  }
  return undefined;
}
