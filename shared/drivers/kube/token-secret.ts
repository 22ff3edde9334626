import type { CoreV1Api, KubeConfig, V1Secret } from '@kubernetes/client-node';
import { createIfAbsent } from './calls.ts';
import { kubeConfigFromCredentials } from './credentials.ts';
import { driverError, isKubeFailure } from './errors.ts';

/** Annotation on a control-plane token Secret: where the member's API is (needed after unjoin). */
export const API_ENDPOINT_ANNOTATION = 'clusterburst.io/api-endpoint';

/** A member's service-account token as the federation control plane keeps it. */
export interface TokenSecretSpec {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The member's API endpoint, kept as an annotation. */
  readonly endpoint: string;
  /** Base64 values, copied from the member's token Secret without decoding. */
  readonly data: Readonly<Record<string, string>>;
}

/**
 * Creates the control-plane Secret holding a member's token, unless it exists; creates the
 * namespace first when the control plane has none yet (as the join tools do).
 */
export async function ensureTokenSecret(
  driver: string,
  core: CoreV1Api,
  spec: TokenSecretSpec,
): Promise<void> {
  const { namespace, name } = spec;
  const body: V1Secret = {
    metadata: {
      name,
      namespace,
      labels: { ...spec.labels },
      annotations: { [API_ENDPOINT_ANNOTATION]: spec.endpoint },
    },
    type: 'Opaque',
    data: { ...spec.data },
  };
  const create = () => core.createNamespacedSecret({ namespace, body });
  try {
    await create();
    return;
  } catch (error) {
    if (isKubeFailure(error, 409, 'AlreadyExists')) return;
    // `namespaces "x" not found`: a 404 on create can only mean the namespace.
    if (!isKubeFailure(error, 404)) throw driverError(driver, `creating Secret ${namespace}/${name}`, error);
  }
  await createIfAbsent(driver, `namespace ${namespace}`, () =>
    core.createNamespace({ body: { metadata: { name: namespace } } }),
  );
  await createIfAbsent(driver, `Secret ${namespace}/${name}`, create);
}

/**
 * A KubeConfig that acts as the federation's own service account in the member, from the
 * control-plane Secret holding its token (base64 `token`, CA under `caKey`) and the endpoint
 * annotation. Undefined when the Secret lacks either.
 */
export function kubeConfigFromTokenSecret(secret: V1Secret, caKey: string): KubeConfig | undefined {
  const endpoint = secret.metadata?.annotations?.[API_ENDPOINT_ANNOTATION];
  const token = secret.data?.token;
  if (!endpoint || !token) return undefined;
  const caData = secret.data?.[caKey];
  return kubeConfigFromCredentials({
    endpoint,
    token: Buffer.from(token, 'base64').toString('utf8'),
    ...(caData ? { caData } : {}),
  });
}
