import { ownershipLabels } from '../../domain/names.ts';
import { overdue } from '../../domain/phase-deadline.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { commitWhilePhase } from '../transition.ts';
import { enterTeardown } from './enter-teardown.ts';
import { providerFor } from './provider-for.ts';

/**
 * Ready -> Joined: join the cluster to the federation with the provider's admin credentials
 * (used for the join only, never stored), and move on once the federation reports it ready.
 * A member still not ready (or not joinable) after the join deadline fails the burst.
 */
export async function federate(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'federate', ['Ready']);
  if (isResult(record)) return record;
  let status: Awaited<ReturnType<Deps['federation']['status']>>;
  try {
    const credentials = await providerFor(deps, record).credentials(record.name);
    await deps.federation.join({
      name: record.name,
      burstId: record.id,
      owner: record.owner,
      provider: record.provider,
      region: record.region,
      credentials,
      labels: ownershipLabels(record),
    });
    deps.checkpoint('after-join');
    status = await deps.federation.status(record.name);
  } catch (error) {
    const late = overdue(record, deps.policy, deps.now());
    if (!late) throw error;
    return enterTeardown(
      deps,
      record,
      `member could not join within the ${late.deadline}s join deadline: ${(error as Error).message}`,
      { failed: true },
    );
  }
  if (!status?.ready) {
    const said = status?.message ?? 'no status';
    const late = overdue(record, deps.policy, deps.now());
    if (late)
      return enterTeardown(
        deps,
        record,
        `member not ready within the ${late.deadline}s join deadline: ${said}`,
        { failed: true },
      );
    return waiting(id, 'federate', `joined, member not ready yet: ${said}`, 'Ready');
  }
  const why = `joined ${deps.federation.name} federation as ${record.name}; member ready`;
  const saved = await commitWhilePhase(deps, record, 'Joined', why);
  return saved
    ? { burstId: id, step: 'federate', outcome: 'moved', from: 'Ready', to: 'Joined', why }
    : waiting(id, 'federate', 'another worker moved it on');
}
