/** Options of the `kubernetes` store; zod only, so the config loads it without client-node. */
import { z } from 'zod';
import { KUBECONFIG_SOURCE_FIELDS, oneKubeconfigSource } from '../kube/kubeconfig-source-options.ts';

/** The `store.options` of `driver: kubernetes`: where the cluster holding the records is. */
export const KubernetesStoreOptionsSchema = z
  .strictObject({
    /** The cluster's kubeconfig (inline, path or in-cluster); see KUBECONFIG_SOURCE_FIELDS. */
    ...KUBECONFIG_SOURCE_FIELDS,
    /** Namespace of the BurstCluster objects and the fleet lock. @default 'clusterburst-system' */
    namespace: z.string().min(1).optional(),
  })
  .superRefine(oneKubeconfigSource);

/** The options as written in configuration. */
export type KubernetesStoreConfigOptionsInput = z.input<typeof KubernetesStoreOptionsSchema>;
/** The options the driver receives: parsed once at load. */
export type KubernetesStoreConfigOptions = z.output<typeof KubernetesStoreOptionsSchema>;
