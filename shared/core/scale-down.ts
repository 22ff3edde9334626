import { decideScaleDown, type ScaleDownDecision } from '../domain/decide-scale-down.ts';
import type { Deps } from './deps.ts';
import type { StepResult } from './step-result.ts';
import { drain } from './steps/drain.ts';

/** What a scale-down pass decided and did. */
export interface ScaleDownReport {
  readonly decision: ScaleDownDecision;
  readonly results: readonly StepResult[];
}

/**
 * The scale-down evaluation (cron): observe the load over the window, decide (pure), and drain
 * what the decision names. With `dryRun`, decide only. Unknown load drains nothing on load
 * (only expired TTLs): a monitoring outage never tears a cluster down.
 */
export async function scaleDown(
  deps: Deps,
  options: { readonly dryRun?: boolean } = {},
): Promise<ScaleDownReport> {
  const records = await deps.store.list({ live: true });
  const now = deps.now();
  const load = await deps.load.observe({
    clusters: records.filter((r) => r.phase === 'Active'),
    windowSeconds: deps.policy.scaleDownWindowSeconds,
    now,
  });
  if (!load.ok) {
    deps.metrics.scaleDownSkipped.inc();
    deps.logger.warn(`scale-down: load unknown, draining nothing on load: ${load.why}`);
  }
  const decision = decideScaleDown(load, records, deps.policy, now);
  if (options.dryRun) return { decision, results: [] };
  const results: StepResult[] = [];
  for (const id of decision.drain) {
    const verdict = decision.verdicts.find((v) => v.id === id);
    results.push(await drain(deps, id, `scale-down: ${verdict?.why ?? decision.why}`));
  }
  if (decision.drain.length) deps.logger.info(`scale-down: ${decision.why}`);
  return { decision, results };
}
