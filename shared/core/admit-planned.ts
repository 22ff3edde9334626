import { actualCluster, signalStates } from '../domain/actual-capacity.ts';
import type { BurstCluster } from '../domain/burst-cluster.ts';
import type { CapacityAction } from '../domain/capacity-plan.ts';
import type { CapacitySignal } from '../domain/capacity-signal.ts';
import { burstIdFor, clusterNameFor } from '../domain/names.ts';
import { planCapacity } from '../domain/plan-capacity.ts';
import { type SignalState, wantedCapacity } from '../domain/wanted-capacity.ts';
import type { Deps } from './deps.ts';
import { planContext } from './plan-context.ts';
import { eventFor } from './transition.ts';

/** The signal key and reason of warm standby clusters (they serve no signal until taken). */
export const WARM_SIGNAL: CapacitySignal = {
  source: 'schedule',
  status: 'firing',
  signalKey: 'clusterburst:warm',
  dedupeKey: 'clusterburst:warm',
  labels: {},
  summary: 'warm standby cluster',
  at: new Date(0).toISOString(),
};

/** The signal state an incoming firing signal stands for (its demand, else the hint, else default). */
export function stateOf(signal: CapacitySignal): SignalState {
  const demand = signal.demand ?? signal.hints?.nodes;
  const hints = { provider: signal.hints?.provider, region: signal.hints?.region };
  return {
    signalKey: signal.signalKey,
    status: 'firing',
    ...(demand !== undefined && { demand }),
    ...((hints.provider !== undefined || hints.region !== undefined) && { hints }),
  };
}

/** Wanted and actual capacity for the records given, with `extra` signals taking precedence. */
export function capacityNow(
  deps: Deps,
  records: readonly BurstCluster[],
  extra: readonly SignalState[] = [],
) {
  const now = deps.now();
  const signals = [...signalStates(records, now), ...extra];
  const wanted = wantedCapacity({ signals, policy: deps.policy, now });
  const clusters = records.map((r) => actualCluster(r, now));
  return { wanted, clusters, now };
}

/** Wanted capacity and the plan for the records given, with `extra` signals taking precedence. */
export function planFor(deps: Deps, records: readonly BurstCluster[], extra: readonly SignalState[] = []) {
  const { wanted, clusters, now } = capacityNow(deps, records, extra);
  const actions = planCapacity({ wanted, clusters, ...planContext(deps), now });
  return { wanted, clusters, actions };
}

/** What one planned admission did. */
export type PlannedAdmission =
  | { readonly admitted: true; readonly record: BurstCluster; readonly action: CapacityAction }
  | { readonly admitted: false; readonly why: string };

/**
 * Admit one cluster the planner wants created for `signal` (or a warm one), under the store's
 * admission lock: the plan is made again from the records read inside it, so max clusters and
 * the budget hold under any concurrency, and a create another worker already admitted is not
 * planned twice. Returns what was admitted, or why nothing was.
 */
export async function admitPlanned(
  deps: Deps,
  signal: CapacitySignal,
  options: { readonly warm?: boolean; readonly extra?: readonly SignalState[] } = {},
): Promise<PlannedAdmission> {
  const now = deps.now();
  let planned: CapacityAction | undefined;
  const result = await deps.store.admit(signal.signalKey, (records) => {
    const { actions } = planFor(deps, records, options.extra);
    const create = actions.find(
      (a): a is Extract<CapacityAction, { kind: 'create' }> =>
        a.kind === 'create' && (options.warm ? a.warm === true : a.signalKey === signal.signalKey),
    );
    if (!create) return { admit: false, why: 'the plan creates nothing for it (any more)' };
    planned = create;
    const id = freshId(deps.owner, signal.dedupeKey, records);
    const demand = options.warm ? undefined : stateOf(signal).demand;
    const record = requestedRecord(
      deps,
      signal,
      { id, ...create },
      now,
      `${signal.source} signal: ${create.why}`,
      {
        ...(demand !== undefined && { demand }),
        ...(options.warm && { warm: true }),
      },
    );
    return { admit: true, record, events: [eventFor(record, 'BurstRequested', 1)] };
  });
  if (!result.admitted) return { admitted: false, why: result.why };
  return { admitted: true, record: result.record, action: planned! };
}

/**
 * The id for an episode: from its dedupe key, `#n` for its n-th cluster. The first id not held by
 * a stored record of the signal, so a pruned earlier burst cannot make the count collide.
 */
export function freshId(owner: string, dedupeKey: string, records: readonly BurstCluster[]): string {
  const taken = new Set(records.map((r) => r.id));
  for (let n = 0; ; n++) {
    const id = burstIdFor(owner, n === 0 ? dedupeKey : `${dedupeKey}#${n}`);
    if (!taken.has(id)) return id;
  }
}

/**
 * A new record in Requested for `signal`, placed as `placed` (id, provider, region, nodes, cost);
 * `extra` adds what only some admissions carry (demand, warm, replaces, excluded providers).
 */
export function requestedRecord(
  deps: Pick<Deps, 'owner'>,
  signal: CapacitySignal,
  placed: {
    readonly id: string;
    readonly provider: string;
    readonly region: string;
    readonly nodes: number;
    readonly costPerHour?: number;
  },
  now: Date,
  why: string,
  extra: Partial<BurstCluster> = {},
): BurstCluster {
  const at = now.toISOString();
  const ttl = signal.hints?.ttlSeconds;
  const { source, signalKey, dedupeKey, summary } = signal;
  return {
    id: placed.id,
    name: clusterNameFor(deps.owner, placed.id),
    owner: deps.owner,
    phase: 'Requested',
    provider: placed.provider,
    region: placed.region,
    nodes: placed.nodes,
    reason: { source, signalKey, dedupeKey, summary },
    dnsRecords: [],
    gatewayServers: [],
    services: [],
    costPerHour: placed.costPerHour ?? 0,
    ...(ttl !== undefined && { expiresAt: new Date(now.getTime() + ttl * 1000).toISOString() }),
    ...extra,
    teardown: {},
    createdAt: at,
    updatedAt: at,
    history: [{ phase: 'Requested', at, why }],
    version: 0,
  };
}
