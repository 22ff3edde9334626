/** Options of the `liqo` federation driver; zod only, so the config loads it without client-node. */
import { z } from 'zod';
import { KUBECONFIG_SOURCE_FIELDS, oneKubeconfigSource } from '../kube/kubeconfig-source-options.ts';

/** A Kubernetes quantity, as the ResourceSlice CRD's `resources` pattern accepts it. */
const Quantity = z
  .string()
  .regex(
    /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/,
    'must be a Kubernetes quantity such as 8, 500m, 16Gi',
  );

/** Options of the `liqo` federation driver (`federation.options` in clusterburst.yaml). */
export const LiqoOptionsSchema = z
  .strictObject({
    /** The home (consumer) cluster's kubeconfig (inline, path or in-cluster); see KUBECONFIG_SOURCE_FIELDS. */
    ...KUBECONFIG_SOURCE_FIELDS,
    /** Namespace Liqo is installed in, on the home and on the burst clusters. @default 'liqo' */
    liqoNamespace: z.string().min(1).default('liqo'),
    /**
     * Home namespace of the token Secrets our own service account in each burst cluster uses
     * after the join (cordon, unpeer). @default 'clusterburst-liqo'
     */
    tokenNamespace: z.string().min(1).default('clusterburst-liqo'),
    /**
     * The ResourceSlice cap: what the home cluster may use of a burst cluster. Each field given
     * here is used as is; a field left out is the per-node figure times the burst's node count.
     */
    resources: z
      .strictObject({ cpu: Quantity.optional(), memory: Quantity.optional(), pods: Quantity.optional() })
      .default({}),
    /** Per burst node, for the fields `resources` leaves out. @default cpu 4, memory 16Gi (16384 MiB), pods 110 */
    perNode: z
      .strictObject({
        cpu: z.number().positive().default(4),
        memoryMiB: z.number().int().positive().default(16384),
        pods: z.number().int().positive().default(110),
      })
      .prefault({}),
    /** ResourceSlice class, as `liqoctl peer --resource-slice-class`. @default 'default' */
    resourceSliceClass: z.string().min(1).default('default'),
    /** NamespaceOffloading podOffloadingStrategy for the burstable services' namespaces. @default 'LocalAndRemote' */
    podOffloadingStrategy: z.enum(['LocalAndRemote', 'Local', 'Remote']).default('LocalAndRemote'),
    /**
     * The home gateway keeps routing to the home Service; Liqo reflects its endpoints to the
     * pods on the virtual node, so the route step leaves DNS and the gateway alone. Needs Liqo
     * networking between the clusters: readiness then also waits for the networking module.
     * @default false
     */
    inClusterRouting: z.boolean().default(false),
    /** Bound on the waits for Liqo's controllers during a join (nonce, signature, Tenant). @default 60 */
    handshakeTimeoutSeconds: z.number().positive().default(60),
    /** Bound on the wait for our token in the burst cluster at join. @default 30 */
    tokenTimeoutSeconds: z.number().positive().default(30),
  })
  .superRefine(oneKubeconfigSource);

/** The options as written in configuration. */
export type LiqoOptionsInput = z.input<typeof LiqoOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type LiqoOptions = z.output<typeof LiqoOptionsSchema>;
