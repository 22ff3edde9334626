import { phaseEnteredAt } from '../../domain/burst-cluster.ts';
import type { Deps } from '../deps.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { commitWhilePhase } from '../transition.ts';
import { describedFor } from './described.ts';
import { enterTeardown } from './enter-teardown.ts';
import { replaceAfterQuota } from './replace-after-quota.ts';

/**
 * Provisioning -> Ready, poll-driven (no provider sends a "cluster ready" event): describe the
 * cluster; ready moves on, failed or vanished fails the burst, past the deadline fails it too.
 */
export async function checkProvisioning(deps: Deps, id: string): Promise<StepResult> {
  const found = await describedFor(deps, id, 'Provisioning');
  if ('outcome' in found) return found;
  const { record, cluster } = found;
  if (cluster.state === 'failed' && cluster.quota) {
    return replaceAfterQuota(deps, record, cluster.message ?? 'quota or capacity shortage');
  }
  if (cluster.state === 'failed') {
    return enterTeardown(
      deps,
      record,
      `provider reports the cluster failed: ${cluster.message ?? 'no reason given'}`,
      {
        failed: true,
      },
    );
  }
  if (cluster.state === 'ready' && cluster.endpoint) {
    const why = `cluster ready at ${record.provider}: ${cluster.message ?? 'ready'}`;
    const saved = await commitWhilePhase(deps, record, 'Ready', why, () => ({
      apiEndpoint: cluster.endpoint,
      credentialsRef: `${record.provider}:${record.name}`,
    }));
    return saved
      ? { burstId: id, step: 'clusterHealth', outcome: 'moved', from: 'Provisioning', to: 'Ready', why }
      : waiting(id, 'clusterHealth', 'another worker moved it on');
  }
  const elapsed = (deps.now().getTime() - Date.parse(phaseEnteredAt(record))) / 1000;
  const deadline =
    deps.offers.find((o) => o.name === record.provider)?.provisioningDeadlineSeconds ??
    deps.policy.provisioningDeadlineSeconds;
  if (elapsed > deadline) {
    return enterTeardown(
      deps,
      record,
      `provisioning took longer than the ${deadline}s deadline (${cluster.state})`,
      { failed: true },
    );
  }
  return waiting(id, 'clusterHealth', `still ${cluster.state} after ${Math.round(elapsed)}s`, 'Provisioning');
}
