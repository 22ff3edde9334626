import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { ConfigError } from '../../errors.ts';

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

/**
 * A client-node KubeConfig from a source. Throws a ConfigError naming the fields when the source
 * is ambiguous or unreadable; never echoes the kubeconfig text (it holds credentials).
 * @example
 * const kc = loadKubeConfig({ kubeconfigPath: '/etc/clusterburst/karmada.kubeconfig' });
 */
export function loadKubeConfig(source: KubeconfigSource, what = 'kubeconfig'): KubeConfig {
  const given = (['kubeconfig', 'kubeconfigPath', 'inCluster'] as const).filter(
    (k) => source[k] !== undefined && source[k] !== false,
  );
  if (given.length > 1) throw new ConfigError(`${what}: give only one of ${given.join(', ')}`);
  const kc = new KubeConfig();
  try {
    if (source.kubeconfig) kc.loadFromString(source.kubeconfig);
    else if (source.kubeconfigPath) kc.loadFromFile(source.kubeconfigPath);
    else if (source.inCluster) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (error) {
    const from = given[0] ?? 'the default search';
    // A YAML parser's message quotes the offending line, which may hold a token: keep it out.
    const why = source.kubeconfig ? 'not a valid kubeconfig' : (error as Error).message;
    throw new ConfigError(`${what}: cannot load the kubeconfig from ${from}: ${why}`);
  }
  if (source.context) {
    if (!kc.getContextObject(source.context))
      throw new ConfigError(`${what}.context: no context named "${source.context}"`);
    kc.setCurrentContext(source.context);
  }
  if (!kc.getCurrentCluster()) throw new ConfigError(`${what}: the kubeconfig has no current cluster`);
  return kc;
}
