/** Options of the `gateway-api` gateway driver; zod only, so the config loads it without client-node. */
import { z } from 'zod';
import { KUBECONFIG_SOURCE_FIELDS, oneKubeconfigSource } from '../kube/kubeconfig-source-options.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Options of the gateway-api driver. */
export const GatewayApiOptionsSchema = z
  .object({
    /** Where the home cluster's kubeconfig comes from (see `loadKubeConfig`); the default chain if unset. */
    ...KUBECONFIG_SOURCE_FIELDS,
    /** Namespace of the routes (and of the Services we create). @default 'default' */
    namespace: z.string().regex(DNS_LABEL).default('default'),
    /** How long after a drain traffic may still flow (connections are not observable). @default 30000 */
    drainMs: z.number().int().min(0).default(30_000),
    /** Attempts of a route write that keeps conflicting. @default 10 */
    maxAttempts: z.number().int().min(1).max(100).default(10),
  })
  .superRefine(oneKubeconfigSource);

/** The options as written in configuration. */
export type GatewayApiOptionsInput = z.input<typeof GatewayApiOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type GatewayApiOptions = z.output<typeof GatewayApiOptionsSchema>;

/** The gateway-api driver's options when none are given. */
export const GATEWAY_API_DEFAULTS: GatewayApiOptions = GatewayApiOptionsSchema.parse({});
