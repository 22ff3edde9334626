import { isLive } from '../domain/lifecycle.ts';
import { advance } from './advance.ts';
import type { Deps } from './deps.ts';
import type { StepResult } from './step-result.ts';

/** What a scheduled pass did: each burst's step result, and the bursts whose step failed. */
export interface PassReport {
  readonly results: readonly StepResult[];
  readonly errors: readonly { readonly burstId: string; readonly error: string }[];
}

/**
 * The health poll (cron): providers and federations send no "ready" or "gone" events, so every
 * live burst past Requested gets the step for its phase: provisioning checked, joins and routes
 * retried, drains waited on, deletions confirmed, and active clusters checked for existence.
 */
export async function clusterHealth(deps: Deps): Promise<PassReport> {
  const records = await deps.store.list({ live: true });
  deps.metrics.observeFleet(records, deps.policy, deps.offers, deps.now());
  const due = records.filter((r) => isLive(r.phase) && r.phase !== 'Requested');
  return runAll(
    deps,
    due.map((r) => ({ id: r.id, phase: r.phase })),
  );
}

/** Advance each burst independently; one failing burst never stops the others. */
export async function runAll(
  deps: Deps,
  items: readonly { readonly id: string; readonly phase: Parameters<typeof advance>[2] }[],
): Promise<PassReport> {
  const settled = await Promise.allSettled(items.map((i) => advance(deps, i.id, i.phase)));
  const results: StepResult[] = [];
  const errors: { burstId: string; error: string }[] = [];
  settled.forEach((s, n) => {
    const burstId = items[n]!.id;
    if (s.status === 'fulfilled') {
      if (s.value) results.push(s.value);
    } else {
      const error = s.reason instanceof Error ? s.reason.message : String(s.reason);
      errors.push({ burstId, error });
      deps.logger.warn(`step failed, will retry: ${error}`, { burstId });
    }
  });
  return { results, errors };
}
