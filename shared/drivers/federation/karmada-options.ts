/** Options of the `karmada` federation driver; zod only, so the config loads it without client-node. */
import { z } from 'zod';
import { KUBECONFIG_SOURCE_FIELDS, oneKubeconfigSource } from '../kube/kubeconfig-source-options.ts';
import { LabelSelectorSchema } from '../kube/label-selector.ts';

/** Options of the `karmada` federation driver (`federation.options` in clusterburst.yaml). */
export const KarmadaOptionsSchema = z
  .strictObject({
    /** The karmada-apiserver kubeconfig (inline, path or in-cluster); see KUBECONFIG_SOURCE_FIELDS. */
    ...KUBECONFIG_SOURCE_FIELDS,
    /** Control-plane namespace of the members' token Secrets. @default 'karmada-cluster' */
    clusterNamespace: z.string().min(1).default('karmada-cluster'),
    /** Member namespace of Karmada's service accounts. @default 'karmada-cluster' */
    memberNamespace: z.string().min(1).default('karmada-cluster'),
    /** Bound on the wait for the member's token controller at join. @default 30 */
    tokenTimeoutSeconds: z.number().positive().default(30),
    /** Bound on a Cluster staying in deletion (Works not released) before leave reports it. @default 600 */
    leaveTimeoutSeconds: z.number().positive().default(600),
    /**
     * The home clusters a service's PropagationPolicy keeps alongside the burst members.
     * @default every Cluster not labelled `clusterburst.io/burst`
     */
    homeClusters: LabelSelectorSchema.default({
      matchExpressions: [{ key: 'clusterburst.io/burst', operator: 'DoesNotExist' }],
    }),
    /** Static weight of each home cluster in the replica division. @default 1 */
    homeWeight: z.number().int().min(1).default(1),
    /** Static weight of each burst member in the replica division. @default 1 */
    burstWeight: z.number().int().min(1).default(1),
    /**
     * Priority of our PropagationPolicies (with `preemption: Always`), above the site's own
     * policy for the same workloads so ours takes them over while a burst lasts. @default 100
     */
    policyPriority: z.number().int().default(100),
    /** Bound on Karmada applying a policy change to the bindings before place gives up (retryable). @default 10 */
    bindingWaitSeconds: z.number().positive().default(10),
  })
  .superRefine(oneKubeconfigSource);

/** The options as written in configuration. */
export type KarmadaOptionsInput = z.input<typeof KarmadaOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type KarmadaOptions = z.output<typeof KarmadaOptionsSchema>;
