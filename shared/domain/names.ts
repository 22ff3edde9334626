import { createHash } from 'node:crypto';
import { ownedServerPrefix } from '../drivers/gateway/gateway.ts';
import { BURST_LABEL, OWNER_LABEL } from '../drivers/provider/provider.ts';
import type { BurstCluster } from './burst-cluster.ts';

/**
 * The burst id for a dedupe key within one installation: equal keys, equal ids, so duplicates
 * collide in the store; two installations fed the same alert get different ids (and so
 * different cluster names at a provider account they share).
 */
export function burstIdFor(owner: string, dedupeKey: string): string {
  return `b-${createHash('sha256').update(`${owner}\n${dedupeKey}`).digest('hex').slice(0, 12)}`;
}

/**
 * The cluster name for a burst, `cb-<installation tag>-<id hex>`: DNS-safe, short, and visibly
 * this installation's, so the gateway server named after it is scoped to the installation too.
 */
export function clusterNameFor(owner: string, id: string): string {
  return `${ownedServerPrefix(owner)}${id.slice(2)}`;
}

/** Labels/tags every resource of this burst carries. */
export function ownershipLabels(record: Pick<BurstCluster, 'owner' | 'id'>): Record<string, string> {
  return { [OWNER_LABEL]: record.owner, [BURST_LABEL]: record.id, 'clusterburst.io/burst': 'true' };
}
