/** Options of the `simulated` provider (`providers[].options`); zod only, so the config loads it without the driver. */
import { z } from 'zod';

/** Options of the simulated provider. */
export const SimulatedProviderOptionsSchema = z.strictObject({
  /** Time from create to ready. @default 2000 */
  readyAfterMs: z.number().int().min(0).default(2000),
  /** Time from delete to gone. @default 100 */
  deleteAfterMs: z.number().int().min(0).default(100),
  /** Time a resize of the node pool takes. @default 500 */
  resizeAfterMs: z.number().int().min(0).default(500),
  /** Nodes the simulated account may run over all clusters; a resize beyond is refused for quota. */
  maxNodes: z.number().int().min(0).optional(),
  /**
   * Where the simulated cloud keeps its inventory. The cloud outlives the control plane: after
   * a crash, clusters listed here come back (so a leak stays visible until cleaned up).
   */
  inventoryFile: z.string().min(1).optional(),
});

/** The options as written in configuration. */
export type SimulatedProviderOptionsInput = z.input<typeof SimulatedProviderOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type SimulatedProviderOptions = z.output<typeof SimulatedProviderOptionsSchema>;

/** The simulated provider's options when none are given. */
export const SIMULATED_PROVIDER_DEFAULTS: SimulatedProviderOptions = SimulatedProviderOptionsSchema.parse({});
