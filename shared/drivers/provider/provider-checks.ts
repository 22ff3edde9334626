import { OWNER_LABEL } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import type { ProviderCluster } from './provider.ts';

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
