/** Options of the `prometheus` load driver; zod only. */
import { z } from 'zod';

/** Options of the Prometheus load driver (`load.options` in clusterburst.yaml). */
export const PrometheusLoadOptionsSchema = z.strictObject({
  /** Base URL of the Prometheus HTTP API; a path prefix (`/prometheus`) is kept. */
  url: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !new URL(u).username, { message: 'must not carry credentials: use bearerToken' }),
  /** PromQL giving the overall utilisation (0..1) of what the bursts serve; series are maxed. */
  query: z.string().min(1),
  /** PromQL for one burst cluster: `{{burst_id}}` and `{{cluster}}` are replaced by its id and name. */
  perClusterQuery: z
    .string()
    .min(1)
    .refine((q) => q.includes('{{burst_id}}') || q.includes('{{cluster}}'), {
      message: 'must contain {{burst_id}} or {{cluster}}',
    })
    .optional(),
  /**
   * PromQL giving the burst nodes wanted now (e.g. pending pods' CPU requests divided by a burst
   * node's allocatable CPU); the largest series counts, no series means 0. Read by the capacity
   * pass as the signal `load:demand`.
   */
  demandQuery: z.string().min(1).optional(),
  /**
   * `range`: one `query_range` over the window, maxed here, gaps seen step by step; `instant`:
   * `max_over_time` and `count_over_time` subqueries evaluated by Prometheus. @default 'range'
   */
  mode: z.enum(['range', 'instant']).default('range'),
  /** Bound on each HTTP request. @default 5000 */
  timeoutMs: z.number().int().min(100).max(120_000).default(5000),
  /** Resolution of the window; the scrape interval or a multiple of it. @default 15 */
  stepSeconds: z.number().int().min(1).max(3600).default(15),
  /** Sent as `Authorization: Bearer`; write `env:NAME` in the file. */
  bearerToken: z.string().min(1).optional(),
});

/** The options as written in configuration. */
export type PrometheusLoadOptionsInput = z.input<typeof PrometheusLoadOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type PrometheusLoadOptions = z.output<typeof PrometheusLoadOptionsSchema>;
