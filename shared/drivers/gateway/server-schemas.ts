import { z } from 'zod';

/** What one gateway accepts as names, burst id and weight (its own naming rules and limits). */
export interface ServerRules {
  readonly backend: z.ZodString;
  readonly server: z.ZodString;
  readonly burstId: z.ZodString;
  readonly maxWeight: number;
}

/**
 * The schemas a gateway driver checks its input with (a GatewayServerRef, a GatewayServerSpec):
 * address, port and protocol are the same for every gateway; names, burst id and weight follow
 * the gateway's `rules`.
 */
export function serverSchemas(rules: ServerRules) {
  const ref = z.object({ backend: rules.backend, server: rules.server });
  const spec = ref.extend({
    address: z.union([z.ipv4(), z.ipv6(), z.hostname()]),
    port: z.number().int().min(1).max(65535),
    burstId: rules.burstId,
    protocol: z.enum(['http', 'tcp']).optional(),
    weight: z.number().int().min(0).max(rules.maxWeight).optional(),
  });
  return { ref, spec };
}
