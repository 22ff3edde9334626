import type { BurstCluster } from '../../domain/burst-cluster.ts';
import type { ProviderDriver } from '../../drivers/provider/provider.ts';
import { ConfigError } from '../../errors.ts';
import type { Deps } from '../deps.ts';

/** The provider driver a burst lives on. */
export function providerFor(deps: Deps, record: BurstCluster): ProviderDriver {
  const provider = deps.providers.get(record.provider);
  if (!provider)
    throw new ConfigError(`provider "${record.provider}" of burst ${record.id} is not configured`);
  return provider;
}
