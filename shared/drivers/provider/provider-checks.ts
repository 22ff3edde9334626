import { OWNER_LABEL } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import type { ProviderCluster, ProviderDriver } from './provider.ts';

/**
 * Check a node count asked of `resize` before any call: a whole number within the provider's
 * bounds (AKS System pools 1..1000, EKS and GKE 0 and up, Magnum 0 only from microversion 1.10).
 */
export function checkNodeCount(driver: string, nodes: number, min = 0, max = 1000): number {
  if (!Number.isInteger(nodes) || nodes < min || nodes > max) {
    throw new DriverError(
      driver,
      `resize to ${nodes} nodes: nodes must be a whole number from ${min} to ${max}`,
    );
  }
  return nodes;
}

/** Refuse to resize a cluster without our owner label: someone else's, never ours to change. */
export function checkOwned(driver: string, cluster: ProviderCluster): void {
  if (!cluster.labels[OWNER_LABEL]) {
    throw new DriverError(driver, `refusing to resize ${cluster.name}: it has no ${OWNER_LABEL} label`);
  }
}

/**
 * Refuse to delete a cluster that is not `owner`'s: without our owner label (`key`, as the
 * provider spells it) it is a person's; with another installation's, that installation's.
 * `expected` is `owner` as the provider stores it (GKE label values are encoded).
 */
export function checkDeletable(
  driver: string,
  name: string,
  found: {
    readonly key: string;
    readonly value: string | undefined;
    readonly expected?: string;
    /** What the provider calls it. */
    readonly kind?: 'label' | 'tag';
  },
  owner: string,
): void {
  if (!found.value)
    throw new DriverError(
      driver,
      `refusing to delete ${name}: it has no ${found.key} ${found.kind ?? 'label'}`,
    );
  if (found.value !== (found.expected ?? owner)) {
    throw new DriverError(driver, `refusing to delete ${name}: it belongs to ${found.value}, not ${owner}`);
  }
}

/** The cluster as a resize left it; one that vanished meanwhile is an error. */
export async function resized(
  provider: Pick<ProviderDriver, 'name' | 'describe'>,
  name: string,
): Promise<ProviderCluster> {
  const after = await provider.describe(name);
  if (!after) throw new DriverError(provider.name, `cluster ${name} vanished while resizing`);
  return after;
}

/** Refuse a cluster asked for in another region than the one this provider serves (`serves`). */
export function checkRegion(driver: string, asked: string, own: string, serves = asked === own): void {
  if (!serves) throw new DriverError(driver, `region ${asked} is not this provider's (${own})`);
}

/**
 * The provider's cluster and our view of it, for a resize: refused when it does not exist, is not
 * ours, or is not ready (one still provisioning: retry later).
 */
export function checkResizable<C>(
  driver: string,
  name: string,
  cluster: C | undefined,
  map: (cluster: C) => ProviderCluster,
): { readonly cluster: C; readonly view: ProviderCluster } {
  if (!cluster) throw new DriverError(driver, `cluster ${name} does not exist`);
  const view = map(cluster);
  checkOwned(driver, view);
  if (view.state !== 'ready') {
    throw new DriverError(driver, `cluster ${name} is ${view.state}; resize waits for ready`, {
      retryable: view.state === 'provisioning',
    });
  }
  return { cluster, view };
}
