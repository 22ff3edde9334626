/**
 * The emulated KubeFed propagation for the objects clusterburst uses (each behaviour is a line
 * in kube-emulator/BEHAVIOURS.md with its upstream source), level-triggered every tick:
 * - ReplicaSchedulingPreference: the FederatedDeployment of the same name gets
 *   `spec.placement.clusters` and `/spec/replicas` overrides dividing `totalReplicas` by weight
 *   over the ready KubeFedClusters the RSP lists (`*` for any); with `rebalance: false` existing
 *   replicas stay where they are and only the difference is placed;
 * - sync: FederatedDeployment and FederatedService templates (with their overrides) are applied
 *   into each placed member with the token of the KubeFedCluster's secret and deleted from
 *   members no longer placed; `placement.clusters` wins over `clusterSelector` (`{}`: all);
 * - status: `status.clusters[] {name, status: OK, remoteStatus}` (RawResourceStatusCollection).
 */
import { divide } from './karmada-scheduler.ts';
import type { CrdDefinition, KubeEmulator, KubeObject } from './kube-emulator/index.ts';
import {
  KUBEFED_FEDERATED_DEPLOYMENT_SCHEMAS,
  KUBEFED_FEDERATED_SERVICE_SCHEMAS,
  KUBEFED_RSP_SCHEMAS,
} from './kube-emulator/upstream-schemas/index.ts';
import { applyToMember, type MemberAccess, memberCall, objectPath } from './member-rest.ts';

/** The KubeFed placement CRDs, with their upstream schemas. */
export const KUBEFED_PLACEMENT_CRDS: readonly CrdDefinition[] = [
  {
    group: 'types.kubefed.io',
    kind: 'FederatedDeployment',
    plural: 'federateddeployments',
    versions: ['v1beta1'],
    schemas: KUBEFED_FEDERATED_DEPLOYMENT_SCHEMAS,
  },
  {
    group: 'types.kubefed.io',
    kind: 'FederatedService',
    plural: 'federatedservices',
    versions: ['v1beta1'],
    schemas: KUBEFED_FEDERATED_SERVICE_SCHEMAS,
  },
  {
    group: 'scheduling.kubefed.io',
    kind: 'ReplicaSchedulingPreference',
    plural: 'replicaschedulingpreferences',
    status: false,
    schemas: KUBEFED_RSP_SCHEMAS,
  },
];

const KFC = { apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedCluster' } as const;
const RSP = { apiVersion: 'scheduling.kubefed.io/v1alpha1', kind: 'ReplicaSchedulingPreference' } as const;
const FEDERATED = [
  {
    kind: 'FederatedDeployment',
    target: { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  },
  { kind: 'FederatedService', target: { apiVersion: 'v1', kind: 'Service', plural: 'services' } },
] as const;

type Json = Record<string, unknown>;
const rec = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});
const nameOf = (o: KubeObject) => o.metadata.name ?? '';

/** The emulated KubeFed propagation on `host`; `tick` runs one pass. */
export function kubefedPropagation(host: KubeEmulator) {
  const applied = new Map<string, Set<string>>();
  const clusters = () =>
    host.objects(KFC).filter((c) => {
      const conditions = (rec(c.status).conditions ?? []) as { type: string; status: string }[];
      return (
        !c.metadata.deletionTimestamp && conditions.some((x) => x.type === 'Ready' && x.status === 'True')
      );
    });
  const access = (cluster: KubeObject): MemberAccess | undefined => {
    const spec = rec(cluster.spec) as { apiEndpoint?: string; secretRef?: { name?: string } };
    const secret = host.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: cluster.metadata.namespace,
      name: spec.secretRef?.name ?? '',
    });
    const token = rec(secret?.data).token;
    if (!spec.apiEndpoint || typeof token !== 'string') return undefined;
    return { endpoint: spec.apiEndpoint, token: Buffer.from(token, 'base64').toString('utf8') };
  };

  /** RSP scheduler: placement and replica overrides of the FederatedDeployment it names. */
  const scheduleAll = () => {
    const ready = clusters().map(nameOf);
    for (const rsp of host.objects(RSP)) {
      const spec = rec(rsp.spec) as {
        totalReplicas?: number;
        rebalance?: boolean;
        clusters?: Record<string, { weight?: number }>;
      };
      const ref = {
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedDeployment',
        namespace: rsp.metadata.namespace,
        name: nameOf(rsp),
      };
      const fd = host.get(ref);
      if (!fd) continue;
      const prefs = spec.clusters ?? {};
      const weights = new Map<string, number>();
      for (const c of ready) {
        const pref = prefs[c] ?? prefs['*'];
        if (pref) weights.set(c, pref.weight ?? 0);
      }
      const total = spec.totalReplicas ?? 0;
      const fdSpec = rec(fd.spec) as {
        placement?: { clusters?: { name: string }[] };
        overrides?: { clusterName: string; clusterOverrides: { path: string; value: number }[] }[];
      };
      const current = new Map(
        (fdSpec.overrides ?? []).map((o) => [
          o.clusterName,
          Number(o.clusterOverrides.find((x) => x.path === '/spec/replicas')?.value ?? 0),
        ]),
      );
      let next: Map<string, number>;
      if (spec.rebalance) next = divide(total, weights);
      else {
        next = new Map([...current].filter(([c]) => weights.has(c)));
        const kept = [...next.values()].reduce((a, b) => a + b, 0);
        next = kept > total ? divide(total, weights) : next;
        for (const [c, r] of divide(total - Math.min(kept, total), weights))
          next.set(c, (next.get(c) ?? 0) + r);
      }
      const placed = [...next].filter(([, r]) => r > 0).sort(([a], [b]) => (a < b ? -1 : 1));
      const placement = { clusters: placed.map(([name]) => ({ name })) };
      const overrides = placed.map(([clusterName, value]) => ({
        clusterName,
        clusterOverrides: [{ path: '/spec/replicas', value }],
      }));
      if (JSON.stringify([fdSpec.placement, fdSpec.overrides]) !== JSON.stringify([placement, overrides]))
        host.replace({ ...fd, spec: { ...rec(fd.spec), placement, overrides } });
    }
  };

  /** Sync: push each federated object to its placed members, delete it elsewhere, record remote status. */
  const sync = async () => {
    const ready = clusters();
    const byName = new Map(host.objects(KFC).map((c) => [nameOf(c), c]));
    for (const f of FEDERATED) {
      for (const fed of host.objects({ apiVersion: 'types.kubefed.io/v1beta1', kind: f.kind })) {
        const spec = rec(fed.spec) as {
          template?: Json;
          placement?: {
            clusters?: { name: string }[];
            clusterSelector?: { matchLabels?: Record<string, string> };
          };
          overrides?: { clusterName: string; clusterOverrides: { path: string; value: unknown }[] }[];
        };
        const selector = spec.placement?.clusterSelector;
        const targets = spec.placement?.clusters
          ? spec.placement.clusters.map((c) => c.name).filter((n) => ready.some((c) => nameOf(c) === n))
          : selector
            ? ready
                .filter((c) =>
                  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => c.metadata.labels?.[k] === v),
                )
                .map(nameOf)
            : [];
        const key = `${f.kind}/${fed.metadata.namespace}/${nameOf(fed)}`;
        const holding = applied.get(key) ?? new Set<string>();
        applied.set(key, holding);
        const statuses: Json[] = [];
        for (const cluster of targets) {
          const member = byName.get(cluster) && access(byName.get(cluster)!);
          if (!member) continue;
          const template = rec(spec.template);
          const objectSpec = { ...rec(template.spec) };
          for (const o of spec.overrides?.find((x) => x.clusterName === cluster)?.clusterOverrides ?? [])
            if (o.path === '/spec/replicas') objectSpec.replicas = o.value;
          const object = {
            apiVersion: f.target.apiVersion,
            kind: f.target.kind,
            metadata: { ...rec(template.metadata), name: nameOf(fed), namespace: fed.metadata.namespace! },
            spec: objectSpec,
          };
          const status = await applyToMember(member, object, f.target.plural);
          if (status < 300) holding.add(cluster);
          const read = await memberCall(
            member,
            'GET',
            objectPath(f.target.apiVersion, f.target.plural, fed.metadata.namespace!, nameOf(fed)),
          );
          statuses.push({
            name: cluster,
            status: status < 300 ? 'OK' : 'ApplyResourcesFailed',
            ...(read.body?.status ? { remoteStatus: read.body.status } : {}),
          });
        }
        for (const gone of [...holding].filter((c: string) => !targets.includes(c))) {
          const member = byName.get(gone) && access(byName.get(gone)!);
          if (!member) continue;
          const res = await memberCall(
            member,
            'DELETE',
            objectPath(f.target.apiVersion, f.target.plural, fed.metadata.namespace!, nameOf(fed)),
          );
          if (res.status === 200 || res.status === 404) holding.delete(gone);
        }
        const ref = {
          apiVersion: 'types.kubefed.io/v1beta1',
          kind: f.kind,
          namespace: fed.metadata.namespace,
          name: nameOf(fed),
        };
        if (host.get(ref) && JSON.stringify(rec(fed.status).clusters) !== JSON.stringify(statuses))
          host.patch(ref, { status: { clusters: statuses as never } }, { subresource: 'status' });
      }
    }
  };

  return {
    async tick() {
      scheduleAll();
      await sync();
    },
  };
}
