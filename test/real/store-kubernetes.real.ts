/**
 * The store contract against a real cluster: `KUBECONFIG` must point at a cluster where the
 * caller may create namespaces and (once) the BurstCluster CRD. Not part of `vitest run`
 * (the default include is `*.test.ts`); run with a config that includes `test/real/**\/*.real.ts`.
 * Each test gets its own namespace `clusterburst-real-<random>`, deleted afterwards; the CRD is
 * installed from deploy/crds when missing and left in place.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  loadYaml,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { isKubeFailure } from '../../shared/drivers/kube/errors.ts';
import { KubernetesStore } from '../../shared/drivers/store/kubernetes.ts';
import { runStoreContract } from '../support/contracts/store.ts';

const CRD_PATH = new URL('../../deploy/crds/burstclusters.clusterburst.io.yaml', import.meta.url);

/** A KubeConfig from KUBECONFIG; fails loudly (a real-cluster run without one is a mistake). */
export function realKubeConfig(): KubeConfig {
  if (!process.env.KUBECONFIG)
    throw new Error('KUBECONFIG must point at a real cluster for the *.real.ts suites');
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** Installs the BurstCluster CRD unless present, and waits until it is Established. */
export async function ensureBurstClusterCrd(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  // loadYaml, not a plain parse: client-node's serializer drops keys its typed model does not
  // name, so a plain object would lose `x-kubernetes-preserve-unknown-fields` and the server
  // would prune the admitted snapshot (spec.initial) to nothing.
  const body = loadYaml<V1CustomResourceDefinition>(readFileSync(CRD_PATH, 'utf8'));
  try {
    await api.createCustomResourceDefinition({ body });
  } catch (error) {
    if (!isKubeFailure(error, 409)) throw error;
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const crd = await api.readCustomResourceDefinition({ name: body.metadata!.name! });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new Error('BurstCluster CRD not Established within 60 s');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Runs the store contract suite against the cluster in KUBECONFIG. */
export function runRealStoreContract(): void {
  runStoreContract('kubernetes (real cluster)', async (options) => {
    const kc = realKubeConfig();
    await ensureBurstClusterCrd(kc);
    const core = kc.makeApiClient(CoreV1Api);
    const namespace = `clusterburst-real-${randomBytes(4).toString('hex')}`;
    await core.createNamespace({
      body: { metadata: { name: namespace, labels: { 'app.kubernetes.io/name': 'clusterburst' } } },
    });
    const make = () => new KubernetesStore({ kubeConfig: kc, namespace, ...options });
    return {
      store: make(),
      second: async () => make(),
      cleanup: async () => {
        await core.deleteNamespace({ name: namespace });
      },
    };
  });
}

runRealStoreContract();
