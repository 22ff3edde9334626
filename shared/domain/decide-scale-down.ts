import { activeSince, type BurstCluster } from './burst-cluster.ts';
import { isLive, teardownEntry } from './lifecycle.ts';
import type { LoadReport } from './load-report.ts';
import type { Policy } from './policy.ts';

/** One cluster's verdict. */
export interface ScaleDownVerdict {
  readonly id: string;
  readonly drain: boolean;
  readonly why: string;
}

/** The outcome of `decideScaleDown`: which clusters to tear down, and why for each. */
export interface ScaleDownDecision {
  readonly drain: readonly string[];
  readonly verdicts: readonly ScaleDownVerdict[];
  readonly why: string;
}

/**
 * Which clusters to tear down. An expired time to live ends a burst in any live phase not yet
 * in teardown (one that never became Active holds a billed cluster too). Otherwise an Active one goes
 * only if its utilisation stayed below the threshold for the whole window, it is older than the
 * minimum lifetime, and no cluster was added within the delay after add. One non-empty cluster
 * at a time (none while another is already draining); empty ones (utilisation 0) all at once.
 * Unknown load drains nothing: a monitoring outage never tears a cluster down.
 */
export function decideScaleDown(
  load: LoadReport,
  clusters: readonly BurstCluster[],
  policy: Policy,
  now: Date,
): ScaleDownDecision {
  const active = clusters.filter((c) => c.phase === 'Active');
  const verdicts: ScaleDownVerdict[] = [];
  const t = now.getTime();
  const expired = clusters.filter(
    (c) => teardownEntry(c.phase) !== undefined && c.expiresAt !== undefined && Date.parse(c.expiresAt) <= t,
  );
  for (const c of expired)
    verdicts.push({ id: c.id, drain: true, why: `time to live expired at ${c.expiresAt}` });
  const rest = active.filter((c) => !expired.includes(c));

  if (!load.ok) {
    for (const c of rest)
      verdicts.push({ id: c.id, drain: false, why: `load unknown (${load.why}): fail safe` });
    return summarise(verdicts, `load unknown: ${load.why}; nothing drained on load`);
  }
  // Only clusters that still add capacity count as a recent scale-up (a Failed one added none).
  const lastAdd = Math.max(0, ...clusters.filter((c) => isLive(c.phase)).map((c) => Date.parse(c.createdAt)));
  const addedRecently = t - lastAdd < policy.scaleDownDelayAfterAddSeconds * 1000;
  const draining = clusters.some((c) => c.phase === 'Draining' || c.phase === 'Leaving');
  const unneeded: { c: BurstCluster; util: number }[] = [];
  for (const c of rest) {
    const verdict = judge(c, load, policy, t, addedRecently);
    if (verdict.drain) unneeded.push({ c, util: verdict.util });
    else verdicts.push({ id: c.id, drain: false, why: verdict.why });
  }
  const empty = unneeded.filter((u) => u.util === 0);
  const busy = unneeded
    .filter((u) => u.util > 0)
    .sort((a, b) => a.util - b.util || a.c.createdAt.localeCompare(b.c.createdAt));
  for (const u of empty) {
    verdicts.push({ id: u.c.id, drain: true, why: `empty for the whole ${load.windowSeconds}s window` });
  }
  busy.forEach((u, i) => {
    const first = i === 0 && !draining && empty.length === 0 && expired.length === 0;
    verdicts.push({
      id: u.c.id,
      drain: first,
      why: first
        ? `utilisation at most ${u.util} < ${policy.scaleDownThreshold} over the whole ${load.windowSeconds}s window`
        : 'unneeded, but one non-empty cluster is drained at a time',
    });
  });
  return summarise(verdicts, load.why);
}

function judge(
  c: BurstCluster,
  load: Extract<LoadReport, { ok: true }>,
  policy: Policy,
  t: number,
  addedRecently: boolean,
): { drain: true; util: number } | { drain: false; why: string } {
  if (c.reason.source === 'manual' && c.expiresAt === undefined) {
    return { drain: false, why: 'manual burst without time to live: only a delete removes it' };
  }
  const since = Date.parse(activeSince(c) ?? c.createdAt);
  const age = (t - Date.parse(c.createdAt)) / 1000;
  if (age < policy.minLifetimeSeconds) {
    return {
      drain: false,
      why: `younger than the minimum lifetime (${Math.floor(age)}s < ${policy.minLifetimeSeconds}s)`,
    };
  }
  if (addedRecently) {
    return {
      drain: false,
      why: `a cluster was added less than ${policy.scaleDownDelayAfterAddSeconds}s ago`,
    };
  }
  if (load.windowSeconds < policy.scaleDownWindowSeconds) {
    return {
      drain: false,
      why: `load covers ${load.windowSeconds}s, the window needs ${policy.scaleDownWindowSeconds}s`,
    };
  }
  if ((t - since) / 1000 < policy.scaleDownWindowSeconds) {
    return { drain: false, why: `active for less than the ${policy.scaleDownWindowSeconds}s window` };
  }
  const util = load.perCluster[c.id] ?? load.overall;
  if (util === undefined || Number.isNaN(util))
    return { drain: false, why: 'no load figure for this cluster: kept' };
  if (util >= policy.scaleDownThreshold) {
    return {
      drain: false,
      why: `utilisation reached ${util} >= ${policy.scaleDownThreshold} within the window`,
    };
  }
  return { drain: true, util };
}

function summarise(verdicts: ScaleDownVerdict[], why: string): ScaleDownDecision {
  const drain = verdicts.filter((v) => v.drain).map((v) => v.id);
  return {
    drain,
    verdicts,
    why: drain.length ? `draining ${drain.join(', ')}; ${why}` : `nothing to drain; ${why}`,
  };
}
