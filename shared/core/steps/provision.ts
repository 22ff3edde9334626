import { ownershipLabels } from '../../domain/names.ts';
import { overdue } from '../../domain/phase-deadline.ts';
import { DriverError } from '../../errors.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import type { StepResult } from '../step-result.ts';
import { commitWhilePhase } from '../transition.ts';
import { enterTeardown } from './enter-teardown.ts';
import { providerFor } from './provider-for.ts';
import { replaceAfterQuota } from './replace-after-quota.ts';

/**
 * Requested -> Provisioning: ask the provider for the cluster (create-if-absent, by the
 * deterministic name). A quota or capacity error hands the signal to a replacement burst on the
 * next provider, with the why recorded; a fatal error fails the burst (after cleanup), and so
 * does a burst still Requested after the provisioning deadline (a create that kept failing).
 */
export async function provision(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'provision', ['Requested']);
  if (isResult(record)) return record;
  const provider = providerFor(deps, record);
  const offer = deps.offers.find((o) => o.name === record.provider);
  const late = overdue(record, deps.policy, deps.now(), offer?.provisioningDeadlineSeconds);
  if (late)
    return enterTeardown(deps, record, `not provisioned within the ${late.deadline}s provisioning deadline`, {
      failed: true,
    });
  try {
    await provider.create({
      name: record.name,
      burstId: record.id,
      owner: record.owner,
      region: record.region,
      nodes: record.nodes,
      labels: ownershipLabels(record),
    });
  } catch (error) {
    if (!(error instanceof DriverError) || error.retryable) throw error;
    if (error.quota) return replaceAfterQuota(deps, record, error.message);
    return enterTeardown(deps, record, `provider ${record.provider} refused the cluster: ${error.message}`, {
      failed: true,
    });
  }
  deps.checkpoint('after-provider-create');
  const why = `cluster ${record.name} requested from ${record.provider} in ${record.region} (${record.nodes} nodes)`;
  const saved = await commitWhilePhase(deps, record, 'Provisioning', why);
  return saved
    ? { burstId: id, step: 'provision', outcome: 'moved', from: 'Requested', to: 'Provisioning', why }
    : { burstId: id, step: 'provision', outcome: 'noop', why: 'another worker provisioned it' };
}
