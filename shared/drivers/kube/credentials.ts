import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
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

const NamedCluster = z.looseObject({
  name: z.string(),
  cluster: z.looseObject({
    server: z.string().min(1),
    'certificate-authority-data': z.string().optional(),
  }),
});
const NamedUser = z.looseObject({
  name: z.string(),
  user: z
    .looseObject({
      token: z.string().optional(),
      'client-certificate-data': z.string().optional(),
      'client-key-data': z.string().optional(),
    })
    .default({}),
});
const NamedContext = z.looseObject({
  name: z.string(),
  context: z.looseObject({ cluster: z.string(), user: z.string() }),
});
const KubeconfigFileSchema = z.looseObject({
  clusters: z.array(NamedCluster).min(1),
  users: z.array(NamedUser).default([]),
  contexts: z.array(NamedContext).default([]),
  'current-context': z.string().optional(),
});

/**
 * The endpoint, CA and credentials of a kubeconfig's current context (else its first cluster
 * and user), with the whole text kept for clients that need more (exec plugins). Errors say
 * what is missing, never what is there.
 */
export function credentialsFromKubeconfig(driver: string, yamlText: string): ClusterCredentials {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch {
    // The parser's message quotes the offending line, which may hold a key: say less.
    throw new DriverError(driver, 'the kubeconfig is not valid YAML');
  }
  const parsed = KubeconfigFileSchema.safeParse(raw);
  if (!parsed.success) throw new DriverError(driver, 'the kubeconfig has no cluster with a server');
  const file = parsed.data;
  const context = file.contexts.find((c) => c.name === file['current-context']) ?? file.contexts[0];
  const cluster = file.clusters.find((c) => c.name === context?.context.cluster) ?? file.clusters[0]!;
  const user = file.users.find((u) => u.name === context?.context.user) ?? file.users[0];
  const u = user?.user ?? {};
  return {
    endpoint: cluster.cluster.server,
    ...(cluster.cluster['certificate-authority-data']
      ? { caData: cluster.cluster['certificate-authority-data'] }
      : {}),
    ...(u.token ? { token: u.token } : {}),
    ...(u['client-certificate-data'] ? { clientCertData: u['client-certificate-data'] } : {}),
    ...(u['client-key-data'] ? { clientKeyData: u['client-key-data'] } : {}),
    kubeconfig: yamlText,
  };
}
