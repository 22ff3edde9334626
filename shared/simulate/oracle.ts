/**
 * The oracle: the cheapest schedule that serves the whole trace, knowing the future, under the
 * same latencies, billing granularity and limits as the policy (docs/simulate.md explains it).
 *
 * Needed nodes per step are split into levels (level k is needed while needed >= k); clusters
 * are filled to maxNodesPerCluster, so cluster c holds levels cM+1 .. (c+1)M. A node of level k
 * is one billed item per run of that level; between two needed intervals it either stays (pays
 * the gap) or goes and comes back (pays the latencies and rounding twice): a dynamic programme
 * over the intervals picks the cheaper, exactly, billing granularity included. The first level
 * of a cluster decides the cluster's lifetime (its node comes with a new cluster, with the
 * control plane); the other levels of that cluster live within it and come by resize.
 */
import { billedSeconds } from './billing.ts';

/** What the oracle is asked. */
export interface OracleInput {
  /** Nodes needed in each step (above home capacity). */
  readonly needed: readonly number[];
  readonly stepSeconds: number;
  readonly maxNodesPerCluster: number;
  readonly maxClusters: number;
  /** Nominal seconds from a create request to serving (create + join + route). */
  readonly createLead: number;
  /** Nominal seconds for a resize (grow: until serving; shrink: until billing stops). */
  readonly resize: number;
  /** Nominal seconds from stopping service to the cluster's billing stopping (drain + delete). */
  readonly teardown: number;
  readonly nodeHour: number;
  readonly controlPlaneHour: number;
  readonly granularitySeconds: number;
}

/** The oracle's schedule, summed. */
export interface OracleFigures {
  readonly nodeHours: number;
  readonly clusterHours: number;
  readonly cost: number;
}

interface Interval {
  /** Start and end (exclusive) in seconds from the trace's start. */
  readonly s: number;
  readonly e: number;
}

/** The cheapest schedule for `input`. */
export function oracle(input: OracleInput): OracleFigures {
  const { needed, stepSeconds, maxNodesPerCluster: m, granularitySeconds: g } = input;
  const end = needed.length * stepSeconds;
  const top = Math.min(
    needed.reduce((a, b) => Math.max(a, b), 0),
    m * input.maxClusters,
  );
  let nodeSeconds = 0;
  let clusterSeconds = 0;
  let cost = 0;
  for (let c = 0; c * m < top; c++) {
    const first = levelIntervals(needed, c * m + 1, stepSeconds);
    const runs = cheapestRuns(
      first,
      (i) => first[i]!.s - input.createLead,
      (j) => Math.min(first[j]!.e + input.teardown, end),
      g,
    );
    const upper = Math.min(top, (c + 1) * m);
    const levels = [];
    for (let k = c * m + 2; k <= upper; k++) levels.push(levelIntervals(needed, k, stepSeconds));
    for (const run of runs) {
      nodeSeconds += run.seconds;
      clusterSeconds += run.seconds;
      cost += (run.seconds / 3600) * (input.nodeHour + input.controlPlaneHour);
      const from = run.s - input.createLead;
      const until = Math.min(run.e + input.teardown, end);
      for (const intervals of levels) {
        // A higher level is needed only while the first is: each of its intervals lies in one run.
        const inRun = intervals.filter((iv) => iv.s >= run.s && iv.e <= run.e);
        const nodes = cheapestRuns(
          inRun,
          (i) => Math.max(inRun[i]!.s - input.resize, from),
          (j) => Math.min(inRun[j]!.e + input.resize, until),
          g,
        );
        for (const n of nodes) {
          nodeSeconds += n.seconds;
          cost += (n.seconds / 3600) * input.nodeHour;
        }
      }
    }
  }
  return { nodeHours: nodeSeconds / 3600, clusterHours: clusterSeconds / 3600, cost };
}

/** The maximal intervals (seconds) during which at least `level` nodes are needed. */
function levelIntervals(needed: readonly number[], level: number, step: number): Interval[] {
  const out: Interval[] = [];
  let start = -1;
  for (let i = 0; i <= needed.length; i++) {
    const on = i < needed.length && needed[i]! >= level;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      out.push({ s: start * step, e: i * step });
      start = -1;
    }
  }
  return out;
}

/** One billed item: serving from `s` to `e`, billed `seconds` (rounded). */
interface Run {
  readonly s: number;
  readonly e: number;
  readonly seconds: number;
}

/**
 * Partition consecutive intervals into runs, each one billed item from x(first) to y(last)
 * rounded up to `g`, minimising the billed total. dp[j] = min over i of dp[i-1] +
 * ceil((y(j) - x(i)) / g); since ceil adds less than one granule, a start whose
 * dp[i-1] - x(i)/g exceeds the best such key by one granule or more can never win again
 * (the best key only falls), so it is dropped: the search stays near linear.
 */
function cheapestRuns(
  intervals: readonly Interval[],
  x: (i: number) => number,
  y: (j: number) => number,
  g: number,
): Run[] {
  const n = intervals.length;
  const dp = new Array<number>(n + 1).fill(0);
  const from = new Array<number>(n).fill(0);
  let candidates: { i: number; key: number }[] = [];
  let best = Number.POSITIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    const key = dp[j]! - x(j) / g;
    best = Math.min(best, key);
    candidates.push({ i: j, key });
    candidates = candidates.filter((cand) => cand.key < best + 1 + 1e-9);
    let value = Number.POSITIVE_INFINITY;
    for (const cand of candidates) {
      const v = dp[cand.i]! + billedSeconds(x(cand.i), y(j), g) / g;
      if (v < value) {
        value = v;
        from[j] = cand.i;
      }
    }
    dp[j + 1] = value;
  }
  const runs: Run[] = [];
  for (let j = n - 1; j >= 0; j = from[j]! - 1) {
    const i = from[j]!;
    runs.push({ s: intervals[i]!.s, e: intervals[j]!.e, seconds: billedSeconds(x(i), y(j), g) });
  }
  return runs.reverse();
}
