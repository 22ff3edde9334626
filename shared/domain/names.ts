/** How clusterburst names what it creates and marks it as its own: ids, names, labels. */
import { createHash } from 'node:crypto';
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

/** Label (tag) with the owning installation, on everything clusterburst creates. */
export const OWNER_LABEL = 'clusterburst.io/owner';
/** Label (tag) with the burst id, on everything clusterburst creates for a burst. */
export const BURST_ID_LABEL = 'clusterburst.io/burst-id';
/** Label `true` on every burst cluster, for placement selectors (`clusterburst.io/burst=true`). */
export const BURST_MARKER_LABEL = 'clusterburst.io/burst';

/** Labels/tags every resource of this burst carries. */
export function ownershipLabels(record: Pick<BurstCluster, 'owner' | 'id'>): Record<string, string> {
  return { [OWNER_LABEL]: record.owner, [BURST_ID_LABEL]: record.id, [BURST_MARKER_LABEL]: 'true' };
}

/** Prefix of every gateway server name any clusterburst installation creates. */
export const GATEWAY_SERVER_PREFIX = 'cb-';

/**
 * The prefix of the names one installation gives its clusters and gateway servers,
 * `cb-<6 hex of sha256(installation id)>-`. A gateway server carries nothing but its name, so the
 * name must say whose it is: installations sharing a gateway list and touch only their own.
 * Short and deterministic (HAProxy and Gateway API names are short; every process agrees).
 */
export function ownedServerPrefix(owner: string): string {
  return `${GATEWAY_SERVER_PREFIX}${createHash('sha256').update(owner).digest('hex').slice(0, 6)}-`;
}
