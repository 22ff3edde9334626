import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import type { StepResult } from '../step-result.ts';
import { enterTeardown } from './enter-teardown.ts';

/**
 * Teardown entry (TeardownRequested from `DELETE /bursts/{id}`, scale-down, TTL): Active ->
 * Draining (cordon, stop new traffic), or the shortcut for a burst that never carried traffic.
 * A recorded request's why is the one the history shows.
 */
export async function drain(deps: Deps, id: string, why = 'teardown requested'): Promise<StepResult> {
  const record = await loadFor(deps, id, 'drain', ['Requested', 'Provisioning', 'Ready', 'Joined', 'Active']);
  if (isResult(record)) return record;
  return enterTeardown(deps, record, record.teardown.requestedWhy ?? why);
}
