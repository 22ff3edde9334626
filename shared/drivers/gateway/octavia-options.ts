import { z } from 'zod';
import { KEYSTONE_OPTION_FIELDS, secureUrl } from '../openstack/keystone-options.ts';

/** Options of the `octavia` gateway driver, validated once when the configuration loads. */
export const OctaviaGatewayOptionsSchema = z.strictObject({
  ...KEYSTONE_OPTION_FIELDS,
  /** Catalog region of the `load-balancer` endpoint; the first endpoint of the interface if unset. */
  region: z.string().min(1).optional(),
  /** Octavia endpoint instead of the catalog's, e.g. `https://octavia.example.org:9876`. */
  octaviaUrl: secureUrl.optional(),
  /**
   * Gateway backend (a service's `backend`, else its name) -> Octavia pool (UUID or unique name).
   * Only these pools are ever read or written.
   */
  pools: z
    .record(z.string().min(1), z.string().min(1))
    .refine((pools) => Object.keys(pools).length > 0, { message: 'name at least one pool' }),
  /**
   * How long one write keeps retrying while the load balancer is PENDING_* (409); an amphora
   * reconfiguration takes seconds. Keep it well inside the function timeout. @default 60000
   */
  pendingTimeoutMs: z.number().int().min(0).default(60_000),
  /** First wait before retrying a 409, doubled per attempt up to `pendingMaxBackoffMs`. @default 1000 */
  pendingBackoffMs: z.number().int().min(1).default(1000),
  /** @default 10000 */
  pendingMaxBackoffMs: z.number().int().min(1).default(10_000),
  /** Deadline of one HTTP call in ms. @default 30000 */
  callTimeoutMs: z.number().int().min(100).default(30_000),
});

/** The options as written in configuration. */
export type OctaviaGatewayOptionsInput = z.input<typeof OctaviaGatewayOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type OctaviaGatewayOptions = z.output<typeof OctaviaGatewayOptionsSchema>;
