/**
 * A tiny fake of KubeFed's cluster controller on a host-cluster emulator, in-process: each
 * KubeFedCluster's conditions are set from a health check of the member with the token in the
 * Secret named by `spec.secretRef` — Ready (ClusterReady) when `/healthz` and `/api` answer,
 * Offline (ClusterNotReachable) when not, ConfigMalformed when the Secret has no token; and the
 * propagation of federated workloads and Services to the members (kubefed-propagation.ts).
 */
import type { CrdDefinition, KubeEmulator, KubeObject } from './kube-emulator/index.ts';
import { crdManifest } from './kube-emulator/index.ts';
import { KUBEFED_CLUSTER_SCHEMAS } from './kube-emulator/upstream-schemas/index.ts';
import { KUBEFED_PLACEMENT_CRDS, kubefedPropagation } from './kubefed-propagation.ts';

/** The KubeFedCluster CRD as KubeFed installs it. */
export const KUBEFED_CLUSTER_CRD: CrdDefinition = {
  group: 'core.kubefed.io',
  kind: 'KubeFedCluster',
  plural: 'kubefedclusters',
  versions: ['v1beta1'],
  // The upstream schema: the emulator prunes what the real API server would drop.
  schemas: KUBEFED_CLUSTER_SCHEMAS,
};

const KFC = { apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedCluster' } as const;

interface Spec {
  apiEndpoint?: string;
  secretRef?: { name?: string };
}

type Condition = { type: string; status: string; reason: string; message: string };

/** Starts the fake on `host` (installing the CRD if absent); returns `stop`. */
export function startKubefedController(
  host: KubeEmulator,
  options: { readonly probeIntervalMs?: number } = {},
) {
  for (const d of [KUBEFED_CLUSTER_CRD, ...KUBEFED_PLACEMENT_CRDS]) {
    const crd = crdManifest(d);
    if (!host.get({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name! })) host.create(crd);
  }
  const propagation = kubefedPropagation(host);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const check = async (cluster: KubeObject): Promise<Condition[]> => {
    const spec = (cluster.spec ?? {}) as Spec;
    const secret = host.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: cluster.metadata.namespace,
      name: spec.secretRef?.name ?? '',
    });
    const token = (secret?.data as Record<string, string> | undefined)?.token;
    if (!token || !spec.apiEndpoint)
      return [
        { type: 'ConfigMalformed', status: 'True', reason: 'ClusterConfigMalformed', message: 'no token' },
      ];
    const headers = { authorization: `Bearer ${Buffer.from(token, 'base64').toString('utf8')}` };
    const ok = async (path: string) => {
      try {
        const res = await fetch(new URL(path, spec.apiEndpoint), {
          headers,
          signal: AbortSignal.timeout(1000),
        });
        await res.body?.cancel();
        return res.ok;
      } catch {
        return false;
      }
    };
    return (await ok('/healthz')) && (await ok('/api'))
      ? [{ type: 'Ready', status: 'True', reason: 'ClusterReady', message: '/healthz responded with ok' }]
      : [
          {
            type: 'Offline',
            status: 'True',
            reason: 'ClusterNotReachable',
            message: 'cluster is not reachable',
          },
        ];
  };

  const tick = async () => {
    const due = host.objects(KFC).filter((c) => {
      const conditions = ((c.status as { conditions?: Condition[] } | undefined)?.conditions ??
        []) as Condition[];
      return (
        !c.metadata.deletionTimestamp && !conditions.some((x) => x.type === 'Ready' && x.status === 'True')
      );
    });
    await Promise.allSettled(
      due.map(async (c) => {
        const conditions = await check(c);
        const ref = { ...KFC, namespace: c.metadata.namespace, name: c.metadata.name! };
        if (!host.get(ref)) return;
        const at = new Date().toISOString();
        host.patch(
          ref,
          {
            status: {
              conditions: conditions.map((x) => ({ ...x, lastProbeTime: at, lastTransitionTime: at })),
            },
          },
          { subresource: 'status' },
        );
      }),
    );
    // A write that raced with the driver is done again on the next tick.
    await propagation.tick().catch((e) => process.env.DEBUG_KUBEFED && console.error(e));
    if (!stopped) timer = setTimeout(() => void tick(), options.probeIntervalMs ?? 50);
  };
  timer = setTimeout(() => void tick(), 0);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
