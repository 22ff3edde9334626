/** Options of the `simulated` federation (`federation.options`); zod only, so the config loads it without the driver. */
import { z } from 'zod';

const LabelMap = z.record(z.string().min(1), z.string());

/** Options of the embedded, simulated federation. */
export const SimulatedFederationOptionsSchema = z.strictObject({
  /** Time from `place` until a service's replicas on the member are ready. @default 2 */
  readyAfterSeconds: z.number().min(0).default(2),
  /** Replicas each placed service gets on a burst member. @default 1 */
  replicas: z.number().int().min(1).default(1),
  /**
   * Bound on in-flight requests when a service leaves a member (unplace, leave): its listener
   * stops taking connections at once and cuts what is still open after this grace, as a pod's
   * `terminationGracePeriodSeconds` does. @default 5
   */
  terminationGraceSeconds: z.number().min(0).default(5),
  /**
   * Labels the federation control plane holds on the services' namespaces and workloads, so a
   * site can play customer protection (a namespace labelled restricted never propagates).
   * @example { namespaces: { clinical: { 'data.example.org/restricted': 'true' } } }
   */
  labels: z
    .strictObject({
      /** Keyed by namespace. */
      namespaces: z.record(z.string().min(1), LabelMap).default({}),
      /** Keyed `namespace/kind/name` (e.g. `web/Deployment/frontend`). */
      workloads: z.record(z.string().regex(/^[^/]+\/(Deployment|StatefulSet)\/[^/]+$/), LabelMap).default({}),
    })
    .prefault({}),
  /**
   * Where the simulated federation keeps its members and placements. The federation outlives the
   * control plane: after a restart, members and services placed on them come back.
   */
  stateFile: z.string().min(1).optional(),
});

/** The options as written in configuration. */
export type SimulatedFederationOptionsInput = z.input<typeof SimulatedFederationOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type SimulatedFederationOptions = z.output<typeof SimulatedFederationOptionsSchema>;

/** The simulated federation's options when none are given. */
export const SIMULATED_FEDERATION_DEFAULTS: SimulatedFederationOptions =
  SimulatedFederationOptionsSchema.parse({});
