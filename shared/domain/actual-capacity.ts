import { activeSince, type BurstCluster, servedSignal } from './burst-cluster.ts';
import { isLive, type Phase } from './lifecycle.ts';
import type { ActualCluster } from './plan-capacity.ts';
import type { SignalState } from './wanted-capacity.ts';

/** Phases whose records still speak for their signal's demand (a cancellable drain included). */
const SPEAKING: readonly Phase[] = ['Requested', 'Provisioning', 'Ready', 'Joined', 'Active', 'Draining'];

/**
 * A stored record as the planner sees it. `busy` (from the load driver) locks a cluster the load
 * says is still used, so a monitoring figure can hold capacity the signals no longer ask for.
 */
export function actualCluster(record: BurstCluster, now: Date, busy?: string): ActualCluster {
  const since = activeSince(record);
  return {
    id: record.id,
    ...(!record.warm && { signalKey: servedSignal(record) }),
    phase: record.phase,
    nodes: { desired: record.nodes },
    createdAt: record.createdAt,
    ...(since && { activeSince: since }),
    warm: record.warm === true,
    costPerHour: record.costPerHour,
    provider: record.provider,
    region: record.region,
    ...(record.resize?.state === 'resizing' && { resizing: true }),
    ...(record.resize?.state === 'failed' && {
      noGrow: `its last resize failed: ${record.resize.message ?? 'no reason given'}`,
    }),
    ...(lockOf(record, now, busy) && { locked: lockOf(record, now, busy) }),
  };
}

function lockOf(record: BurstCluster, now: Date, busy: string | undefined): string | undefined {
  if (record.teardown.requestedAt) return 'an operator asked for its teardown';
  if (record.teardown.failed) return 'it failed';
  if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()) return 'its time to live expired';
  if (servedSignal(record).startsWith('manual:') && record.expiresAt === undefined && !record.warm)
    return 'manual burst without time to live: only a delete removes it';
  return busy;
}

/**
 * The current signals as the records remember them: one per signal key with a record that
 * still serves it (or drains and could be brought back), firing unless marked resolved, with the
 * demand it last asked for and its recent higher demands. A signal whose every cluster an operator tore down, or that failed,
 * is left out: only a new delivery of it asks for capacity again.
 */
export function signalStates(records: readonly BurstCluster[], now: Date): SignalState[] {
  const byKey = new Map<string, BurstCluster[]>();
  for (const r of records) {
    if (r.warm || !isLive(r.phase) || !SPEAKING.includes(r.phase)) continue;
    if (lockOf(r, now, undefined) && r.phase === 'Draining') continue;
    const list = byKey.get(servedSignal(r)) ?? [];
    list.push(r);
    byKey.set(servedSignal(r), list);
  }
  return [...byKey.entries()].map(([signalKey, list]) => {
    const latest = [...list].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0]!;
    const resolved = list.every((r) => r.signalResolvedAt !== undefined);
    const demands = list.map((r) => r.demand).filter((d): d is number => d !== undefined);
    const demand = latest.demand ?? (demands.length ? Math.max(...demands) : undefined);
    const resolvedAt = resolved
      ? list
          .map((r) => r.signalResolvedAt!)
          .sort()
          .at(-1)
      : undefined;
    // Every record's peaks: the window's highest among them is the signal's (a union is exact).
    const peaks = list.flatMap((r) => r.demandPeaks ?? []);
    return {
      signalKey,
      status: resolved ? ('resolved' as const) : ('firing' as const),
      ...(demand !== undefined && { demand }),
      ...(peaks.length > 0 && { peaks }),
      ...(resolvedAt && { resolvedAt }),
    };
  });
}
