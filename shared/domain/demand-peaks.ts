/**
 * The recent higher demands of a signal, so the way down is stabilised like HPA's
 * (behavior.scaleDown.stabilizationWindowSeconds): the nodes wanted are the highest the signal
 * asked for over the scale-down window, while a rise is followed at once.
 *
 * Representation: a signal's demand is a step function of time. Its maximum over the window
 * [now - W, now] is the current demand or an earlier one that was still in effect after now - W.
 * An earlier demand matters only while it is higher than every demand after it, so the list keeps
 * just those: `{nodes, until}` with `until` the time the demand fell below `nodes`, nodes strictly
 * falling and `until` rising. That is the exact windowed maximum with one entry per step down
 * inside the window; a single peak-and-time is not enough (10, then 8, then 4: once 10 leaves the
 * window 8 must still be known). Alertmanager sends a change at most every group interval, so a
 * window holds few steps down; past `MAX_DEMAND_PEAKS` two neighbours merge into the higher value
 * held to the later time, an upper bound that can only keep capacity longer, never less.
 */

/** A demand a signal asked for until `until` (ISO-8601), when it fell below it. */
export interface DemandPeak {
  readonly nodes: number;
  readonly until: string;
}

/** Most peaks kept per record; more merge into a safe upper bound. */
export const MAX_DEMAND_PEAKS = 8;

/** The nodes a demand asks for: its ceiling (at least 0), else the policy's default step. */
export function askedNodes(demand: number | undefined, nodesPerCluster: number): number {
  return demand === undefined ? nodesPerCluster : Math.max(0, Math.ceil(demand));
}

/** What `notePeak` looks at. */
export interface PeakChange {
  /** The peaks remembered so far. */
  readonly peaks: readonly DemandPeak[] | undefined;
  /** The nodes asked for before, and until when (a resolution ends it early); absent: none. */
  readonly previous?: { readonly nodes: number; readonly until: string };
  /** The nodes asked for from `at` on. */
  readonly next: number;
  readonly at: string;
  readonly windowSeconds: number;
}

/**
 * The peaks after a signal's demand changes to `next` at `at`: the previous demand becomes a
 * peak if it was higher; peaks out of the window, or not above a later demand, are dropped.
 * @example
 * notePeak({ peaks: [], previous: { nodes: 10, until: t }, next: 4, at: t, windowSeconds: 600 }) // [{ nodes: 10, until: t }]
 */
export function notePeak(change: PeakChange): DemandPeak[] {
  const { previous, next, at } = change;
  const from = Date.parse(at) - change.windowSeconds * 1000;
  let peaks = (change.peaks ?? []).filter((p) => Date.parse(p.until) > from);
  if (previous && previous.nodes > next && Date.parse(previous.until) > from) {
    peaks = [
      ...peaks.filter((p) => p.nodes > previous.nodes),
      { nodes: previous.nodes, until: previous.until },
    ];
  }
  peaks = peaks.filter((p) => p.nodes > next).sort((a, b) => b.nodes - a.nodes);
  while (peaks.length > MAX_DEMAND_PEAKS) {
    // Merge the closest neighbours: the higher demand held to the later time.
    let best = 0;
    for (let i = 1; i < peaks.length - 1; i++) {
      if (peaks[i]!.nodes - peaks[i + 1]!.nodes < peaks[best]!.nodes - peaks[best + 1]!.nodes) best = i;
    }
    const merged = { nodes: peaks[best]!.nodes, until: latest(peaks[best]!.until, peaks[best + 1]!.until) };
    peaks = [...peaks.slice(0, best), merged, ...peaks.slice(best + 2)];
  }
  return peaks;
}

/** The highest peak still inside the window at `now`, with the time it leaves it; or undefined. */
export function heldPeak(
  peaks: readonly DemandPeak[] | undefined,
  now: Date,
  windowSeconds: number,
): { nodes: number; until: string; releasedAt: Date } | undefined {
  let held: { nodes: number; until: string; releasedAt: Date } | undefined;
  for (const p of peaks ?? []) {
    const releasedAt = Date.parse(p.until) + windowSeconds * 1000;
    if (!(now.getTime() < releasedAt)) continue;
    if (!held || p.nodes > held.nodes || (p.nodes === held.nodes && releasedAt > held.releasedAt.getTime()))
      held = { nodes: p.nodes, until: p.until, releasedAt: new Date(releasedAt) };
  }
  return held;
}

function latest(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/**
 * The peaks to write on a record serving a signal whose demand is now `demand` (at `at`): its
 * last demand steps down into a peak, held until it resolved if it did. Undefined when none.
 */
export function peaksAfter(
  record: {
    readonly demand?: number;
    readonly signalResolvedAt?: string;
    readonly demandPeaks?: readonly DemandPeak[];
  },
  demand: number | undefined,
  at: string,
  policy: { readonly nodesPerCluster: number; readonly scaleDownWindowSeconds: number },
): DemandPeak[] | undefined {
  const peaks = notePeak({
    peaks: record.demandPeaks,
    previous: {
      nodes: askedNodes(record.demand, policy.nodesPerCluster),
      until: record.signalResolvedAt ?? at,
    },
    next: askedNodes(demand, policy.nodesPerCluster),
    at,
    windowSeconds: policy.scaleDownWindowSeconds,
  });
  return peaks.length > 0 ? peaks : undefined;
}
