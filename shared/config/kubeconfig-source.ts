import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';

/**
 * Fields naming where a driver finds the kubeconfig of a cluster it talks to: a file, an inline
 * YAML string (typically an `env:` secret reference), or, with neither, the default chain
 * (KUBECONFIG, ~/.kube/config, then the in-cluster service account).
 */
export const kubeconfigFields = {
  kubeconfigPath: z.string().min(1).optional(),
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
};

/** A kubeconfig source as configured. */
export interface KubeconfigSource {
  readonly kubeconfigPath?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** Load the KubeConfig a source names. */
export function loadKubeConfig(source: KubeconfigSource): KubeConfig {
  const kc = new KubeConfig();
  if (source.kubeconfig) kc.loadFromString(source.kubeconfig);
  else if (source.kubeconfigPath) kc.loadFromFile(source.kubeconfigPath);
  else kc.loadFromDefault();
  if (source.context) kc.setCurrentContext(source.context);
  return kc;
}
