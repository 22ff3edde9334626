/**
 * The knobs of the burst policy. Defaults follow Kubernetes Cluster Autoscaler where it has
 * an equivalent (scale-down-unneeded-time 10m, utilisation threshold 0.5, delay after add 10m,
 * max provision time 15m) and HPA's 300 s stabilisation for the per-signal cooldown.
 */
export interface Policy {
  /** Hard cap on live burst clusters. @default 3 */
  readonly maxClusters: number;
  /** Hard cap on the summed cost per hour of live burst clusters. @default 50 */
  readonly hourlyBudget: number;
  /** A signal that already caused a burst causes no other within this many seconds. @default 300 */
  readonly cooldownSeconds: number;
  /** Utilisation below which a cluster is unneeded. @default 0.5 */
  readonly scaleDownThreshold: number;
  /** Utilisation must stay below the threshold for the whole window. @default 600 */
  readonly scaleDownWindowSeconds: number;
  /** No scale-down within this many seconds after the last scale-up. @default 600 */
  readonly scaleDownDelayAfterAddSeconds: number;
  /** A cluster is never drained younger than this (billing granularity). @default 600 */
  readonly minLifetimeSeconds: number;
  /** Nodes per burst cluster unless the trigger asks otherwise. @default 3 */
  readonly nodesPerCluster: number;
  /** Upper bound on nodes a trigger may ask for. @default 50 */
  readonly maxNodesPerCluster: number;
  /** Provisioning longer than this fails (and is cleaned up). @default 900 */
  readonly provisioningDeadlineSeconds: number;
  /** A joined member that is not Ready after this long fails the burst (and is cleaned up). @default 600 */
  readonly joinDeadlineSeconds: number;
  /** An endpoint that does not pass its health check after this long fails the burst. @default 600 */
  readonly routeDeadlineSeconds: number;
  /** Longest wait for open connections to close before they are cut. @default 300 */
  readonly drainTimeoutSeconds: number;
  /**
   * Longest wait for the federation to let a member go; past it the member is left with force
   * (skipping the unreachable member side) and the cluster deleted anyway. @default 900
   */
  readonly leaveDeadlineSeconds: number;
  /** TTL of the DNS records we write; teardown waits this long after removing them. @default 30 */
  readonly dnsTtlSeconds: number;
  /** A phase that should move on by itself and has not after this long is re-driven. @default 120 */
  readonly stuckAfterSeconds: number;
  /** Burst clusters kept created, joined and cordoned for bursts in minutes. @default 0 */
  readonly warmClusters: number;
  /** Node pool size of a warm cluster; unset: the provider's smallest pool (`minNodes`). */
  readonly warmNodes?: number;
  /**
   * The provider's billing period in seconds (0: per second). Capacity is released only in the
   * last tenth of a paid period, when giving it back saves money. @default 0
   */
  readonly billingGranularitySeconds: number;
}

/** The defaults, see `Policy` for where each comes from. */
export const DEFAULT_POLICY: Policy = {
  maxClusters: 3,
  hourlyBudget: 50,
  cooldownSeconds: 300,
  scaleDownThreshold: 0.5,
  scaleDownWindowSeconds: 600,
  scaleDownDelayAfterAddSeconds: 600,
  minLifetimeSeconds: 600,
  nodesPerCluster: 3,
  maxNodesPerCluster: 50,
  provisioningDeadlineSeconds: 900,
  joinDeadlineSeconds: 600,
  routeDeadlineSeconds: 600,
  drainTimeoutSeconds: 300,
  leaveDeadlineSeconds: 900,
  dnsTtlSeconds: 30,
  stuckAfterSeconds: 120,
  warmClusters: 0,
  billingGranularitySeconds: 0,
};
