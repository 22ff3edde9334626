import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { ownershipLabels } from '../names.ts';
import { type StepResult, waiting } from '../step-result.ts';
import { commit } from '../transition.ts';
import { providerFor } from './provider-for.ts';

/**
 * Ready -> Joined: join the cluster to the federation with the provider's admin credentials
 * (used for the join only, never stored), and move on once the federation reports it ready.
 */
export async function federate(deps: Deps, id: string): Promise<StepResult> {
  const record = await loadFor(deps, id, 'federate', ['Ready']);
  if (isResult(record)) return record;
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
  const status = await deps.federation.status(record.name);
  if (!status?.ready)
    return waiting(
      id,
      'federate',
      `joined, member not ready yet: ${status?.message ?? 'no status'}`,
      'Ready',
    );
  const why = `joined ${deps.federation.name} federation as ${record.name}; member ready`;
  const saved = await commit(deps, record, 'Joined', why);
  return saved
    ? { burstId: id, step: 'federate', outcome: 'moved', from: 'Ready', to: 'Joined', why }
    : waiting(id, 'federate', 'another worker moved it on');
}
