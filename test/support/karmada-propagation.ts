/**
 * The emulated Karmada propagation path for the objects clusterburst uses (each behaviour is a
 * line in kube-emulator/BEHAVIOURS.md with its upstream source), level-triggered every tick:
 * - detector: a Deployment, StatefulSet or Service template matched by a PropagationPolicy in
 *   its namespace gets the ResourceBinding `<name>-<kind>` {resource, replicas, placement}; the
 *   highest priority policy claims it, a claimed template moves only to a higher priority policy
 *   with `preemption: Always`; a template left unclaimed keeps its binding as it is;
 * - scheduler: `spec.clusters` by karmada-scheduler.ts (stable unless rescheduled);
 * - WorkloadRebalancer: sets each named binding's `rescheduleTriggeredAt` and records
 *   `status.observedWorkloads` (Successful, or Failed ReferencedBindingNotFound);
 * - execution (push): applies the template with its assigned replicas into each member with
 *   the token of the Cluster's secretRef, deletes it from clusters no longer assigned;
 * - status: `status.aggregatedStatus` from the member objects (Deployment and StatefulSet
 *   replica counts; a Service's `loadBalancer` only for `type: LoadBalancer`).
 */

import { type Assignment, type Placement, type SchedCluster, schedule } from './karmada-scheduler.ts';
import type { KubeEmulator, KubeObject } from './kube-emulator/index.ts';
import { applyToMember, type MemberAccess, memberCall, objectPath } from './member-rest.ts';

const CLUSTER = { apiVersion: 'cluster.karmada.io/v1alpha1', kind: 'Cluster' } as const;
const POLICY = { apiVersion: 'policy.karmada.io/v1alpha1', kind: 'PropagationPolicy' } as const;
const BINDING = { apiVersion: 'work.karmada.io/v1alpha2', kind: 'ResourceBinding' } as const;
const REBALANCER = { apiVersion: 'apps.karmada.io/v1alpha1', kind: 'WorkloadRebalancer' } as const;
/** Annotations naming the policy that claims a binding's template. */
export const CLAIM_NAME = 'propagationpolicy.karmada.io/name';
const TEMPLATES = [
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
] as const;
const SYSTEM = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'karmada-system',
  'karmada-cluster',
]);

type Json = Record<string, unknown>;
const rec = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});
const nameOf = (o: KubeObject) => o.metadata.name ?? '';

interface PolicySpec {
  resourceSelectors?: { apiVersion: string; kind: string; name?: string; labelSelector?: unknown }[];
  priority?: number;
  preemption?: string;
  placement?: Placement;
}

function selectsTemplate(policy: KubeObject, template: KubeObject): boolean {
  if (policy.metadata.namespace !== template.metadata.namespace || policy.metadata.deletionTimestamp)
    return false;
  return ((policy.spec as PolicySpec).resourceSelectors ?? []).some(
    (s) =>
      s.apiVersion === template.apiVersion &&
      s.kind === template.kind &&
      (!s.name || s.name === nameOf(template)),
  );
}

/** The emulated propagation on `controlPlane`; call `tick` (the controller does, every interval). */
export function karmadaPropagation(controlPlane: KubeEmulator) {
  const applied = new Map<string, Set<string>>(); // binding key -> clusters holding the object

  const clusters = (): (SchedCluster & { object: KubeObject })[] =>
    controlPlane.objects(CLUSTER).map((c) => {
      const conditions = (rec(c.status).conditions ?? []) as { type: string; status: string }[];
      const taints = (rec(c.spec).taints ?? []) as { effect: string }[];
      return {
        object: c,
        name: nameOf(c),
        labels: c.metadata.labels ?? {},
        ready:
          !c.metadata.deletionTimestamp && conditions.some((x) => x.type === 'Ready' && x.status === 'True'),
        unschedulable: taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
      };
    });

  const access = (cluster: KubeObject): MemberAccess | undefined => {
    const spec = rec(cluster.spec) as {
      apiEndpoint?: string;
      secretRef?: { namespace?: string; name?: string };
    };
    const secret = controlPlane.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: spec.secretRef?.namespace,
      name: spec.secretRef?.name ?? '',
    });
    const token = rec(secret?.data).token;
    if (!spec.apiEndpoint || typeof token !== 'string') return undefined;
    return { endpoint: spec.apiEndpoint, token: Buffer.from(token, 'base64').toString('utf8') };
  };

  /** Detector: bindings follow the claiming policy's placement and the template's replicas. */
  const detect = () => {
    const policies = controlPlane.objects(POLICY);
    for (const t of TEMPLATES) {
      for (const template of controlPlane.objects({ apiVersion: t.apiVersion, kind: t.kind })) {
        if (SYSTEM.has(template.metadata.namespace ?? '')) continue;
        const ref = {
          ...BINDING,
          namespace: template.metadata.namespace,
          name: `${nameOf(template)}-${t.kind}`.toLowerCase(),
        };
        const binding = controlPlane.get(ref);
        const matching = policies.filter((p) => selectsTemplate(p, template));
        const prio = (p: KubeObject) => (p.spec as PolicySpec).priority ?? 0;
        const best = [...matching].sort((a, b) => prio(b) - prio(a) || (nameOf(a) < nameOf(b) ? -1 : 1))[0];
        const claimed = matching.find((p) => nameOf(p) === binding?.metadata.annotations?.[CLAIM_NAME]);
        const preempts =
          best && claimed && prio(best) > prio(claimed) && (best.spec as PolicySpec).preemption === 'Always';
        const policy = claimed && !preempts ? claimed : best;
        if (!policy) continue; // unclaimed: the binding stays as it is
        const spec = {
          resource: {
            apiVersion: t.apiVersion,
            kind: t.kind,
            namespace: template.metadata.namespace,
            name: nameOf(template),
            uid: template.metadata.uid,
          },
          replicas: t.kind === 'Service' ? 0 : Number(rec(template.spec).replicas ?? 1),
          placement: (policy.spec as PolicySpec).placement ?? {},
        };
        const annotations = { [CLAIM_NAME]: nameOf(policy) };
        if (!binding) {
          controlPlane.create({
            ...BINDING,
            metadata: { name: ref.name, namespace: ref.namespace, annotations },
            spec,
          });
        } else {
          const was = rec(binding.spec);
          const same =
            JSON.stringify([was.replicas, was.placement, was.resource]) ===
            JSON.stringify([spec.replicas, spec.placement, spec.resource]);
          // A replace, not a merge: fields the new policy's placement lacks must go.
          if (!same || binding.metadata.annotations?.[CLAIM_NAME] !== nameOf(policy))
            controlPlane.replace({
              ...binding,
              metadata: {
                ...binding.metadata,
                annotations: { ...binding.metadata.annotations, ...annotations },
              },
              spec: { ...was, ...spec },
            });
        }
      }
    }
  };

  /** Scheduler: assign replicas; fresh when a rebalance was triggered after the last schedule. */
  const scheduleAll = () => {
    const all = clusters();
    for (const b of controlPlane.objects(BINDING)) {
      const spec = rec(b.spec);
      const current = (spec.clusters ?? []) as Assignment;
      const last = Date.parse(String(rec(b.status).lastScheduledTime ?? 0)) || 0;
      const trigger = Date.parse(String(spec.rescheduleTriggeredAt ?? 0)) || 0;
      const fresh = current.length === 0 || trigger > last;
      const next = schedule(
        rec(spec.placement) as Placement,
        Number(spec.replicas ?? 0),
        all,
        current,
        fresh,
      );
      const ref = { ...BINDING, namespace: b.metadata.namespace, name: nameOf(b) };
      if (JSON.stringify(next) !== JSON.stringify(current))
        controlPlane.patch(ref, { spec: { clusters: next } });
      if (fresh)
        controlPlane.patch(
          ref,
          {
            status: {
              lastScheduledTime: new Date(Math.max(Date.now(), trigger + 1)).toISOString(),
              schedulerObservedGeneration: b.metadata.generation ?? 0,
            },
          },
          { subresource: 'status' },
        );
    }
  };

  /** WorkloadRebalancer: reschedule each named binding once per generation. */
  const rebalance = () => {
    for (const r of controlPlane.objects(REBALANCER)) {
      if (rec(r.status).observedGeneration === r.metadata.generation) continue;
      const now = new Date().toISOString();
      const workloads = (rec(r.spec).workloads ?? []) as { kind: string; namespace: string; name: string }[];
      const observedWorkloads: Json[] = workloads.map((w): Json => {
        const ref = { ...BINDING, namespace: w.namespace, name: `${w.name}-${w.kind}`.toLowerCase() };
        if (!controlPlane.get(ref))
          return { workload: w, result: 'Failed', reason: 'ReferencedBindingNotFound' };
        controlPlane.patch(ref, { spec: { rescheduleTriggeredAt: now } });
        return { workload: w, result: 'Successful' };
      });
      controlPlane.patch(
        { ...REBALANCER, name: nameOf(r) },
        {
          status: {
            observedWorkloads: observedWorkloads as never,
            observedGeneration: r.metadata.generation ?? 0,
            finishTime: now,
          },
        },
        { subresource: 'status' },
      );
    }
  };

  /** Execution and status: push each binding's template to its clusters, reflect their status. */
  const execute = async () => {
    const byName = new Map(clusters().map((c) => [c.name, c.object]));
    for (const b of controlPlane.objects(BINDING)) {
      const resource = rec(rec(b.spec).resource) as {
        apiVersion: string;
        kind: string;
        namespace: string;
        name: string;
      };
      const t = TEMPLATES.find((x) => x.kind === resource.kind && x.apiVersion === resource.apiVersion);
      const template = t && controlPlane.get(resource);
      if (!t || !template) continue;
      const key = `${b.metadata.namespace}/${nameOf(b)}`;
      const holding = applied.get(key) ?? new Set<string>();
      applied.set(key, holding);
      const assigned = (rec(b.spec).clusters ?? []) as Assignment;
      const aggregatedStatus: Json[] = [];
      for (const a of assigned) {
        const cluster = byName.get(a.name);
        const member = cluster && access(cluster);
        if (!member) continue;
        const spec = { ...rec(template.spec) };
        if (t.kind === 'Service') delete spec.clusterIPs;
        if (t.kind === 'Service') delete spec.clusterIP;
        else spec.replicas = a.replicas;
        const { name, namespace, labels, annotations } = template.metadata;
        const object = {
          apiVersion: t.apiVersion,
          kind: t.kind,
          metadata: {
            name: name!,
            namespace: namespace!,
            labels: { ...labels, 'karmada.io/managed': 'true' },
            annotations,
          },
          spec,
        };
        const status = await applyToMember(member, object, t.plural);
        if (status >= 200 && status < 300) holding.add(a.name);
        const read = await memberCall(member, 'GET', objectPath(t.apiVersion, t.plural, namespace!, name));
        aggregatedStatus.push({
          clusterName: a.name,
          applied: status < 300,
          health: read.body ? 'Healthy' : 'Unknown',
          ...(read.body ? { status: reflect(t.kind, rec(read.body)) } : {}),
        });
      }
      for (const gone of [...holding].filter((c: string) => !assigned.some((a) => a.name === c))) {
        const cluster = byName.get(gone);
        const member = cluster && access(cluster);
        if (!member) continue;
        const res = await memberCall(
          member,
          'DELETE',
          objectPath(t.apiVersion, t.plural, resource.namespace, resource.name),
        );
        if (res.status === 200 || res.status === 404) holding.delete(gone);
      }
      const ref = { ...BINDING, namespace: b.metadata.namespace, name: nameOf(b) };
      if (
        controlPlane.get(ref) &&
        JSON.stringify(rec(b.status).aggregatedStatus) !== JSON.stringify(aggregatedStatus)
      )
        controlPlane.patch(
          ref,
          { status: { aggregatedStatus: aggregatedStatus as never } },
          { subresource: 'status' },
        );
    }
  };

  return {
    async tick() {
      detect();
      rebalance();
      scheduleAll();
      await execute();
    },
  };
}

/** What Karmada's default interpreter reflects of a member object's status. */
function reflect(kind: string, object: Json): Json {
  const status = rec(object.status);
  if (kind === 'Service')
    return rec(object.spec).type === 'LoadBalancer' && status.loadBalancer
      ? { loadBalancer: status.loadBalancer }
      : {};
  const keep = [
    'replicas',
    'updatedReplicas',
    'readyReplicas',
    'availableReplicas',
    'unavailableReplicas',
    'observedGeneration',
  ];
  return Object.fromEntries(Object.entries(status).filter(([k]) => keep.includes(k)));
}
