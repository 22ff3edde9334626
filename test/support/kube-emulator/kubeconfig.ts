/**
 * An ordinary kubeconfig for an emulator: one cluster, one bearer-token user, one context.
 * The server is plain HTTP on loopback, which @kubernetes/client-node accepts only with
 * `insecure-skip-tls-verify: true`.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/** What a kubeconfig for one emulator names. */
export interface KubeconfigOptions {
  /** Cluster, user and context name. */
  readonly name: string;
  /** Server URL, e.g. http://127.0.0.1:41234. */
  readonly server: string;
  readonly token: string;
  /** Default namespace of the context. @default 'default' */
  readonly namespace?: string;
}

/** The kubeconfig YAML text (what `kubectl config view --raw` would print). */
export function kubeconfigYaml(options: KubeconfigOptions): string {
  const { name, server, token, namespace = 'default' } = options;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace } }],
    'current-context': name,
    preferences: {},
  });
}

/** A loaded client-node KubeConfig for the same kubeconfig. */
export function loadKubeConfig(yamlText: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yamlText);
  return kc;
}
