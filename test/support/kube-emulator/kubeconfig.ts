/**
 * An ordinary kubeconfig for an emulator: one cluster, one bearer-token user, one context.
 * A plain-HTTP server on loopback is accepted by @kubernetes/client-node only with
 * `insecure-skip-tls-verify: true`; an HTTPS one (provider emulators' members) is verified
 * against its CA.
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
  /** PEM CA of an HTTPS server; without it the server is plain HTTP and not verified. */
  readonly caPem?: string;
}

/** The kubeconfig YAML text (what `kubectl config view --raw` would print). */
export function kubeconfigYaml(options: KubeconfigOptions): string {
  const { name, server, token, namespace = 'default', caPem } = options;
  const cluster = caPem
    ? { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') }
    : { server, 'insecure-skip-tls-verify': true };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
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
