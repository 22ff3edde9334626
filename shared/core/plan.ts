import { type BurstDecision, decideBurst } from '../domain/decide-burst.ts';
import { isLive } from '../domain/lifecycle.ts';
import { eligibility, type ServiceEligibility } from '../domain/services.ts';
import type { Deps } from './deps.ts';
import { planContext } from './plan-context.ts';
import { type ScaleDownReport, scaleDown } from './scale-down.ts';
import { nothingMayBurst, servicesThatBurst } from './services.ts';

/** A dry run: what would be decided now, and why. */
export interface PlanReport {
  readonly live: number;
  readonly maxClusters: number;
  readonly costPerHour: number;
  readonly hourlyBudget: number;
  /** What a new manual burst request would get right now. */
  readonly burst: BurstDecision;
  readonly scaleDown: ScaleDownReport['decision'];
  /** Which services a burst would place, and why the others would not (customer protection). */
  readonly services: readonly ServiceEligibility[];
  /** Capacity wanted from the current signals, the clusters there are, and the plan between them. */
  readonly capacity: Pick<ScaleDownReport, 'wanted' | 'actual' | 'actions'>;
}

/** Decide, changing nothing: the answer to `clusterburst plan`. */
export async function plan(deps: Deps): Promise<PlanReport> {
  const now = deps.now();
  // A dry-run signal of its own: only live records matter (no duplicates, no cooldown).
  const records = await deps.store.list({ live: true });
  const live = records.filter((r) => isLive(r.phase));
  const burst = decideBurst({
    signal: {
      source: 'manual',
      status: 'firing',
      signalKey: 'manual:plan',
      dedupeKey: 'manual:plan',
      labels: {},
      summary: 'dry run',
      at: now.toISOString(),
    },
    clusters: records,
    ...planContext(deps),
    now,
  });
  const nothing = nothingMayBurst(deps);
  const { decision, wanted, actual, actions } = await scaleDown(deps, { dryRun: true });
  const services = await servicesThatBurst(deps).then(
    (v) => v.verdicts,
    // Without labels protection assumes nothing: what the configuration allows is said as such.
    (error: Error) =>
      eligibility(deps.config.services, deps.config.protection, undefined).verdicts.map((v) =>
        v.why.startsWith('labels')
          ? { ...v, why: `labels unavailable from the federation (${error.message})` }
          : v,
      ),
  );
  return {
    live: live.length,
    maxClusters: deps.policy.maxClusters,
    costPerHour: live.reduce((sum, r) => sum + r.costPerHour, 0),
    hourlyBudget: deps.policy.hourlyBudget,
    burst: nothing ? { burst: false, why: nothing } : burst,
    scaleDown: decision,
    services,
    capacity: { wanted, actual, actions },
  };
}
