import { z } from 'zod';

/**
 * How long one provider operation takes in `clusterburst simulate`: a fixed number of seconds,
 * or a distribution drawn from with the simulation's seed (uniform between two bounds, or
 * log-normal around a median: field reports of cluster creation have a long right tail).
 */
export const LatencySchema = z.union([
  z.number().min(0),
  z
    .strictObject({ uniform: z.strictObject({ min: z.number().min(0), max: z.number().min(0) }) })
    .refine((l) => l.uniform.max >= l.uniform.min, {
      message: 'uniform.max must be at least uniform.min',
      path: ['uniform', 'max'],
    }),
  z.strictObject({
    lognormal: z.strictObject({ median: z.number().positive(), sigma: z.number().min(0).max(3) }),
  }),
]);

/** One latency setting, as validated. */
export type Latency = z.output<typeof LatencySchema>;

/**
 * Defaults from field reports (REFERENCE.md, "Latencies and billing"): an EKS-like control plane
 * plus node group in about 10 min, nodes added to a pool in about 2 min.
 */
export const DEFAULT_LATENCY = {
  /** Create request until the cluster and its nodes are Ready. */
  create: 600,
  /** Ready until the federation reports the member Ready. */
  join: 60,
  /** Joined until services pass their health check and receive traffic (also after a cancelled drain). */
  route: 30,
  /** A node pool resize until the new nodes serve (growth) or stop being billed (shrink). */
  resize: 120,
  /** Draining until no connection is left (DNS TTL plus open connections, bounded by drainTimeoutSeconds). */
  drain: 60,
  /** Leaving until the provider stops billing the cluster (unjoin and delete). */
  delete: 300,
} as const;

const LatencyModelSchema = z.strictObject({
  create: LatencySchema.default(DEFAULT_LATENCY.create),
  join: LatencySchema.default(DEFAULT_LATENCY.join),
  route: LatencySchema.default(DEFAULT_LATENCY.route),
  resize: LatencySchema.default(DEFAULT_LATENCY.resize),
  drain: LatencySchema.default(DEFAULT_LATENCY.drain),
  delete: LatencySchema.default(DEFAULT_LATENCY.delete),
});

/**
 * The `simulation` section: what `clusterburst simulate` needs beyond the policy and providers.
 * Load figures are in the trace's unit (after summing rows per step).
 */
export const SimulationSchema = z.strictObject({
  /** Load the home clusters serve; above it, load needs burst capacity. Required to simulate. */
  homeCapacity: z.number().positive().optional(),
  /** Load one burst node serves. Required to simulate. */
  loadPerNode: z.number().positive().optional(),
  /**
   * The alert rule that turns load into signals, as Prometheus evaluates one at every step:
   * pending when load > threshold x homeCapacity, firing once that held `forSeconds`, resolved
   * when it no longer holds. A firing alert asks for the nodes that bring load back to the
   * threshold (`clusterburst_nodes`, ceil((load - threshold x homeCapacity) / loadPerNode)).
   */
  alert: z
    .strictObject({
      threshold: z.number().positive().max(10).default(0.9),
      forSeconds: z.number().int().min(0).default(60),
      /**
       * Alertmanager's `group_interval` (deploy/alertmanager: 5m): after the first notification
       * of an episode, a new demand or the resolution reaches clusterburst at most this often.
       */
      groupIntervalSeconds: z.number().int().min(0).default(300),
      /**
       * The rule asks for the highest shortfall over this window, as
       * `max_over_time(...[window])` would (stabilises demand on the way down); 0: the current one.
       */
      demandWindowSeconds: z.number().int().min(0).default(0),
    })
    .prefault({}),
  latency: LatencyModelSchema.prefault({}),
  /** Seed of the latency draws, so a run can be repeated exactly. */
  seed: z.number().int().default(1),
  /** Price of a node-hour at every provider; default: each provider's `pricePerNodeHour`. */
  pricePerNodeHour: z.number().min(0).optional(),
  /** Price of a cluster control plane per hour (EKS and GKE: 0.10; AKS free tier: 0). */
  controlPlanePerHour: z.number().min(0).default(0.1),
  /**
   * Billing granularity: each node's and control plane's time is rounded up to a multiple of
   * this. Default: the policy's `billingGranularitySeconds` (the provider's billing period), or
   * per second when that is 0 (EC2 and GCE bill per second, with a 60 s minimum).
   */
  billingGranularitySeconds: z.number().int().min(1).optional(),
});

/** The validated `simulation` section. */
export type SimulationSettings = z.output<typeof SimulationSchema>;
/** The six provider latencies. */
export type LatencyModel = z.output<typeof LatencyModelSchema>;
