import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../../errors.ts';
import type { KubeconfigSource } from './kubeconfig-source-options.ts';

export {
  KUBECONFIG_SOURCE_FIELDS,
  type KubeconfigSource,
  KubeconfigSourceSchema,
} from './kubeconfig-source-options.ts';

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
