/** Options of the `kubefed` federation driver; zod only, so the config loads it without client-node. */
import { z } from 'zod';
import { KUBECONFIG_SOURCE_FIELDS, oneKubeconfigSource } from '../kube/kubeconfig-source-options.ts';
import { LabelSelectorSchema } from '../kube/label-selector.ts';

/** Options of the `kubefed` federation driver (`federation.options` in clusterburst.yaml). */
export const KubefedOptionsSchema = z
  .strictObject({
    /** The host cluster's kubeconfig (inline, path or in-cluster); see KUBECONFIG_SOURCE_FIELDS. */
    ...KUBECONFIG_SOURCE_FIELDS,
    /** Host namespace of KubeFed (KubeFedClusters and their Secrets). @default 'kube-federation-system' */
    federationNamespace: z.string().min(1).default('kube-federation-system'),
    /** Member namespace of the KubeFed service account. @default 'kube-federation-system' */
    memberNamespace: z.string().min(1).default('kube-federation-system'),
    /** Name of the host cluster, as `kubefedctl join --host-cluster-context` names it. @default 'host' */
    hostClusterName: z.string().min(1).default('host'),
    /** Bound on the wait for the member's token controller at join. @default 30 */
    tokenTimeoutSeconds: z.number().positive().default(30),
    /** Bound on a KubeFedCluster staying in deletion before leave reports it. @default 600 */
    leaveTimeoutSeconds: z.number().positive().default(600),
    /**
     * The home KubeFedClusters a service's ReplicaSchedulingPreference keeps beside the burst
     * members. @default every KubeFedCluster not labelled `clusterburst.io/burst`
     */
    homeClusters: LabelSelectorSchema.default({
      matchExpressions: [{ key: 'clusterburst.io/burst', operator: 'DoesNotExist' }],
    }),
    /** Weight of each home cluster in the replica division. @default 1 */
    homeWeight: z.number().int().min(1).default(1),
    /** Weight of each burst member in the replica division. @default 1 */
    burstWeight: z.number().int().min(1).default(1),
  })
  .superRefine(oneKubeconfigSource);

/** The options as written in configuration. */
export type KubefedOptionsInput = z.input<typeof KubefedOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type KubefedOptions = z.output<typeof KubefedOptionsSchema>;
