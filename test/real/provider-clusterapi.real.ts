/**
 * The provider contract for `clusterapi` against a real Cluster API management cluster (CAPI
 * >= 1.11 for v1beta2, `ClusterTopology` feature gate on, a ClusterClass installed, e.g. CAPD's
 * `quick-start`). Not part of `vitest run`. Provisioning real clusters takes minutes, so raise
 * the per-test timeout:
 *   KUBECONFIG=~/.kube/mgmt.config CAPI_CLUSTER_CLASS=quick-start CAPI_KUBERNETES_VERSION=v1.33.0 \
 *   CAPI_NAMESPACE=default CAPI_VARIABLES='{"imageRepository":""}' \
 *     npx vitest run -c vitest.real.config.ts --testTimeout=1800000 test/real/provider-clusterapi.real.ts
 * Optional: CAPI_WORKER_CLASS (default `default-worker`), CAPI_REGION (default `local`, passed
 * to no variable unless CAPI_REGION_VARIABLE names one). Every cluster the suite creates is
 * deleted afterwards, and the suite waits until Cluster API has removed it.
 */

import { ClusterApiProvider } from '../../shared/drivers/provider/clusterapi.ts';
import { ClusterApiOptionsSchema } from '../../shared/drivers/provider/clusterapi-options.ts';
import type { ProviderDriver } from '../../shared/drivers/provider/provider.ts';
import { runProviderContract } from '../support/contracts/provider.ts';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set for the clusterapi *.real.ts suite`);
  return value;
}

runProviderContract('clusterapi (real management cluster)', async () => {
  env('KUBECONFIG'); // the driver's default search reads it
  const provider = new ClusterApiProvider(
    'capi',
    ClusterApiOptionsSchema.parse({
      namespace: process.env.CAPI_NAMESPACE ?? 'default',
      classRef: { name: env('CAPI_CLUSTER_CLASS') },
      kubernetesVersion: env('CAPI_KUBERNETES_VERSION'),
      workerClass: process.env.CAPI_WORKER_CLASS ?? 'default-worker',
      variables: JSON.parse(process.env.CAPI_VARIABLES ?? '{}') as Record<string, unknown>,
      ...(process.env.CAPI_REGION_VARIABLE ? { regionVariable: process.env.CAPI_REGION_VARIABLE } : {}),
    }),
  );
  const created = new Map<string, string>();
  const recording: ProviderDriver = {
    name: provider.name,
    create: (spec) => {
      if (!created.has(spec.name)) created.set(spec.name, spec.owner);
      return provider.create(spec);
    },
    describe: (name) => provider.describe(name),
    delete: (name, owner) => provider.delete(name, owner),
    credentials: (name) => provider.credentials(name),
    resize: (name, nodes) => provider.resize(name, nodes),
    list: (owner) => provider.list(owner),
  };
  return {
    provider: recording,
    region: process.env.CAPI_REGION ?? 'local',
    tick: () => new Promise<void>((r) => setTimeout(r, 10_000)),
    async cleanup() {
      for (const [name, owner] of created) await provider.delete(name, owner);
      const deadline = Date.now() + 20 * 60_000;
      for (const name of created.keys()) {
        while (await provider.describe(name)) {
          if (Date.now() > deadline) throw new Error(`Cluster ${name} still there after 20 minutes`);
          await new Promise((r) => setTimeout(r, 10_000));
        }
      }
    },
  };
});
