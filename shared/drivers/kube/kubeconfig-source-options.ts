/** Where a driver finds a kubeconfig: fields of its options schema, without loading client-node. */
import { z } from 'zod';

/**
 * The fields naming where a driver finds the kubeconfig of a cluster it talks to (federation
 * control plane, Cluster API management cluster). Spread into a driver's options schema.
 * At most one of `kubeconfig`, `kubeconfigPath` and `inCluster`; none means client-node's
 * default search (`KUBECONFIG`, `~/.kube/config`, then the pod's service account).
 */
export const KUBECONFIG_SOURCE_FIELDS = {
  /** Inline kubeconfig YAML; write `env:NAME` in clusterburst.yaml so it stays out of the file. */
  kubeconfig: z.string().min(1).optional(),
  /** Path of a kubeconfig file. */
  kubeconfigPath: z.string().min(1).optional(),
  /** Use the service account of the pod clusterburst runs in. */
  inCluster: z.boolean().optional(),
  /** Context to use instead of the kubeconfig's current-context. */
  context: z.string().min(1).optional(),
} as const;

/** Where a kubeconfig comes from (options of a driver talking to one cluster). */
export const KubeconfigSourceSchema = z.strictObject(KUBECONFIG_SOURCE_FIELDS);

/** A validated kubeconfig source. */
export type KubeconfigSource = z.output<typeof KubeconfigSourceSchema>;
