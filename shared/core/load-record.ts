import type { BurstCluster } from '../domain/burst-cluster.ts';
import type { Phase } from '../domain/lifecycle.ts';
import type { Deps } from './deps.ts';
import { noop, type StepResult } from './step-result.ts';

/**
 * Load a burst for a step, or say why the step has nothing to do: the record is gone, or it
 * is not in a phase the step handles (a duplicate or late delivery).
 */
export async function loadFor(
  deps: Deps,
  id: string,
  step: string,
  phases: readonly Phase[],
): Promise<BurstCluster | StepResult> {
  const record = await deps.store.get(id);
  if (!record) return noop(id, step, 'no such burst');
  if (!phases.includes(record.phase)) {
    return noop(id, step, `burst is ${record.phase}, step expects ${phases.join(' or ')}`, record.phase);
  }
  return record;
}

/** Whether `loadFor` answered with a result instead of a record. */
export function isResult(value: BurstCluster | StepResult): value is StepResult {
  return 'outcome' in value;
}
