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

/**
 * At most one of `kubeconfig`, `kubeconfigPath` and `inCluster`: a check for every options schema
 * spreading KUBECONFIG_SOURCE_FIELDS, so an ambiguous source fails when the configuration loads.
 */
export function oneKubeconfigSource(
  source: { readonly kubeconfig?: string; readonly kubeconfigPath?: string; readonly inCluster?: boolean },
  ctx: z.RefinementCtx,
): void {
  const given = (['kubeconfig', 'kubeconfigPath', 'inCluster'] as const).filter(
    (k) => source[k] !== undefined && source[k] !== false,
  );
  if (given.length > 1)
    ctx.addIssue({ code: 'custom', path: [given[1]!], message: `give only one of ${given.join(', ')}` });
}

/** Where a kubeconfig comes from (options of a driver talking to one cluster). */
export const KubeconfigSourceSchema = z
  .strictObject(KUBECONFIG_SOURCE_FIELDS)
  .superRefine(oneKubeconfigSource);

/** A validated kubeconfig source. */
export type KubeconfigSource = z.output<typeof KubeconfigSourceSchema>;
