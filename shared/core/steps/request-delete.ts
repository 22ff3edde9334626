import type { BurstCluster } from '../../domain/burst-cluster.ts';
import type { Deps } from '../deps.ts';
import { providerFor } from './provider-for.ts';

/**
 * Ask the provider to delete the burst's cluster, once the record already says Deleting. A
 * refusal is logged, not thrown: finalize asks again on every poll until the cluster is gone.
 */
export async function requestDelete(deps: Deps, record: BurstCluster): Promise<void> {
  try {
    await providerFor(deps, record).delete(record.name, record.owner);
    deps.checkpoint('after-provider-delete');
  } catch (error) {
    deps.logger.warn(
      `delete of ${record.name} not accepted yet, will ask again: ${(error as Error).message}`,
      {
        burstId: record.id,
      },
    );
  }
}
