import { KubeConfig } from '@kubernetes/client-node';
import { DriverError } from '../../errors.ts';
import type { ClusterCredentials } from '../provider/provider.ts';

/**
 * A client-node KubeConfig for a member cluster: its whole kubeconfig when the provider handed
 * one out (it may use an exec plugin or client certificates), else one cluster and one user
 * built from the endpoint, CA (base64 PEM) and bearer token or client certificate.
 */
export function kubeConfigFromCredentials(credentials: ClusterCredentials, name = 'member'): KubeConfig {
  const kc = new KubeConfig();
  if (credentials.kubeconfig) {
    try {
      kc.loadFromString(credentials.kubeconfig);
      return kc;
    } catch {
      // Fall back to the parsed fields; the text is never echoed (it holds the admin key).
    }
  }
  kc.loadFromClusterAndUser(
    {
      name,
      server: credentials.endpoint,
      // Plain HTTP has no TLS to verify, and client-node accepts an http server only with this
      // flag (test and loopback set-ups); https endpoints are always verified.
      skipTLSVerify: credentials.endpoint.startsWith('http:'),
      ...(credentials.caData ? { caData: credentials.caData } : {}),
    },
    {
      name,
      ...(credentials.token ? { token: credentials.token } : {}),
      ...(credentials.clientCertData ? { certData: credentials.clientCertData } : {}),
      ...(credentials.clientKeyData ? { keyData: credentials.clientKeyData } : {}),
    },
  );
  return kc;
}

/**
 * The endpoint, CA and credentials of a kubeconfig's current context (else its first cluster
 * and user), with the whole text kept for clients that need more (exec plugins). Read by
 * client-node's KubeConfig, the same reader every Kubernetes call uses. Errors say what is
 * missing, never what is there: the text holds the admin key.
 */
export function credentialsFromKubeconfig(driver: string, yamlText: string): ClusterCredentials {
  const kc = new KubeConfig();
  try {
    // Entries without a name or server are dropped (and then reported as missing below).
    kc.loadFromString(yamlText, { onInvalidEntry: 'filter' });
  } catch {
    // The YAML parser's message quotes the offending line, which may hold a key: say less.
    throw new DriverError(driver, 'the kubeconfig is not valid YAML');
  }
  const context = kc.currentContext ? kc.getContextObject(kc.currentContext) : kc.getContexts()[0];
  const cluster = (context ? kc.getCluster(context.cluster) : null) ?? kc.getClusters()[0];
  if (!cluster?.server) throw new DriverError(driver, 'the kubeconfig has no cluster with a server');
  const user = (context?.user ? kc.getUser(context.user) : null) ?? kc.getUsers()[0];
  return {
    endpoint: cluster.server,
    ...(cluster.caData ? { caData: cluster.caData } : {}),
    ...(user?.token ? { token: user.token } : {}),
    ...(user?.certData ? { clientCertData: user.certData } : {}),
    ...(user?.keyData ? { clientKeyData: user.keyData } : {}),
    kubeconfig: yamlText,
  };
}
