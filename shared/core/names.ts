import { createHash } from 'node:crypto';
import type { BurstCluster } from '../domain/burst-cluster.ts';
import { BURST_LABEL, OWNER_LABEL } from '../drivers/provider/provider.ts';

/** The burst id for a dedupe key: equal keys, equal ids, so duplicates collide in the store. */
export function burstIdFor(dedupeKey: string): string {
  return `b-${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 12)}`;
}

/** The cluster name for a burst id: DNS-safe, short, and visibly ours. */
export function clusterNameFor(id: string): string {
  return `cb-${id.slice(2)}`;
}

/** Labels/tags every resource of this burst carries. */
export function ownershipLabels(record: Pick<BurstCluster, 'owner' | 'id'>): Record<string, string> {
  return { [OWNER_LABEL]: record.owner, [BURST_LABEL]: record.id, 'clusterburst.io/burst': 'true' };
}
