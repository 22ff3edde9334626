import type { ProviderDriver } from '../drivers/provider/provider.ts';

/** The CA to verify a cluster's endpoint with, through `clusterCa` where the driver has it. */
export async function clusterCaOf(provider: ProviderDriver, name: string): Promise<string | undefined> {
  if (provider.clusterCa) return provider.clusterCa(name);
  return (await provider.credentials(name)).caData;
}
