/**
 * The workload side of a member cluster, in one controller: what the deployment and statefulset
 * controllers plus the kubelets would write into a Deployment's or StatefulSet's status. Pods
 * are not modelled; their readiness is a delay (`readyAfterMs`) or never (`keepUnready`).
 *
 * Upstream: the status fields are those of apps/v1 DeploymentStatus and StatefulSetStatus
 * (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status,
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/stateful-set-v1/#StatefulSetStatus);
 * `observedGeneration` follows `metadata.generation` once the controller has seen a spec.
 */
import type { ResourceType } from './registry.ts';
import type { KubeObject, ObjectStore } from './storage.ts';

/** Identifies a workload the test holds unready, whatever its kind. */
export interface WorkloadKey {
  readonly namespace: string;
  readonly name: string;
}

/** What the workload controller needs from its emulator. */
export interface WorkloadControllerOptions {
  /** Delay between a workload asking for replicas and those replicas being ready. */
  readonly readyAfterMs: number;
  /** Workloads whose pods never become ready (a crash-looping image, an unschedulable pod). */
  readonly unready: Set<string>;
}

type Json = Record<string, unknown>;

const keyOf = (namespace: string | undefined, name: string | undefined) => `${namespace ?? ''}/${name ?? ''}`;

function desiredReplicas(object: KubeObject): number {
  const replicas = (object.spec as Json | undefined)?.replicas;
  // apps/v1 defaults spec.replicas to 1.
  return typeof replicas === 'number' && replicas >= 0 ? replicas : 1;
}

function currentReady(object: KubeObject): number {
  const ready = (object.status as Json | undefined)?.readyReplicas;
  return typeof ready === 'number' ? ready : 0;
}

/** The status a Deployment or StatefulSet has with `ready` of `replicas` pods ready. */
function statusFor(object: KubeObject, ready: number): Json {
  const replicas = desiredReplicas(object);
  const generation = object.metadata.generation ?? 1;
  // Zero counts are omitted (`omitempty`), except StatefulSetStatus.replicas which is required.
  const count = (n: number) => (n > 0 ? n : undefined);
  if (object.kind === 'StatefulSet') {
    return prune({
      observedGeneration: generation,
      replicas,
      readyReplicas: count(ready),
      currentReplicas: count(replicas),
      updatedReplicas: count(replicas),
      availableReplicas: count(ready),
    });
  }
  const available = ready >= replicas;
  return prune({
    observedGeneration: generation,
    replicas: count(replicas),
    updatedReplicas: count(replicas),
    readyReplicas: count(ready),
    availableReplicas: count(ready),
    unavailableReplicas: count(replicas - ready),
    conditions: [
      {
        type: 'Available',
        status: available ? 'True' : 'False',
        reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        message: available
          ? 'Deployment has minimum availability.'
          : 'Deployment does not have minimum availability.',
      },
    ],
  });
}

function prune(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function sameStatus(a: unknown, b: Json): boolean {
  const strip = (s: unknown) => {
    const o = { ...((s as Json | undefined) ?? {}) };
    // Conditions carry times in the real controller; comparing them without is enough here.
    o.conditions = ((o.conditions as Json[] | undefined) ?? []).map(({ type, status, reason }) => ({
      type,
      status,
      reason,
    }));
    return JSON.stringify(Object.entries(o).sort(([x], [y]) => x.localeCompare(y)));
  };
  return strip(a) === strip(b);
}

/** A running workload controller. */
export interface WorkloadController {
  /** Reconciles every stored workload again (after the unready set changed). */
  resync(): void;
  stop(): void;
}

const isWorkload = (object: KubeObject) =>
  object.apiVersion === 'apps/v1' && (object.kind === 'Deployment' || object.kind === 'StatefulSet');

/**
 * Starts the workload controller on `store`. On every write of a Deployment or StatefulSet it
 * records the new generation and replica count at once (pods created), keeps the ready count
 * (capped at the new count), and after `readyAfterMs` makes every replica ready, unless the
 * workload is in `unready`.
 */
export function startWorkloadController(
  store: ObjectStore,
  options: WorkloadControllerOptions,
): WorkloadController {
  /** Pending readiness per workload, with the generation and replica count it is for. */
  const timers = new Map<string, { timer: NodeJS.Timeout; target: string }>();
  const typeOf = (kind: string): ResourceType | undefined => store.registry.byKind('apps/v1', kind);
  const latest = (kind: string, namespace: string | undefined, name: string | undefined) => {
    const type = typeOf(kind);
    const found = type && store.find(type, namespace, name ?? '');
    return found && !found.metadata.deletionTimestamp ? { type, object: found } : undefined;
  };
  const isUnready = (namespace: string | undefined, name: string | undefined) =>
    options.unready.has(keyOf(namespace, name));

  const write = (type: ResourceType, current: KubeObject, ready: number) => {
    const status = statusFor(current, ready);
    if (sameStatus(current.status, status)) return;
    try {
      // Replace the whole status: a merge patch would keep counts the new status omits.
      store.update(
        type,
        current.metadata.namespace,
        current.metadata.name ?? '',
        { ...current, status },
        {
          subresource: 'status',
        },
      );
    } catch {
      // Raced with another writer: its change comes back as an event and reconciles again.
    }
  };

  const reconcile = (kind: string, namespace: string | undefined, name: string | undefined) => {
    const key = `${kind}/${keyOf(namespace, name)}`;
    const found = latest(kind, namespace, name);
    const replicas = found ? desiredReplicas(found.object) : 0;
    const target = `${found?.object.metadata.generation}/${replicas}`;
    const unready = isUnready(namespace, name);
    const pending = timers.get(key);
    // Pods already starting for this spec keep their start time, whoever rewrites the object.
    if (pending && (pending.target !== target || unready || !found)) {
      clearTimeout(pending.timer);
      timers.delete(key);
    }
    if (!found) return;
    const ready = unready ? 0 : Math.min(currentReady(found.object), replicas);
    write(found.type, found.object, ready);
    if (unready || ready >= replicas || timers.has(key)) return;
    const timer = setTimeout(() => {
      timers.delete(key);
      const now = latest(kind, namespace, name);
      if (now && !isUnready(namespace, name)) write(now.type, now.object, desiredReplicas(now.object));
    }, options.readyAfterMs);
    timers.set(key, { timer, target });
  };

  const unsubscribe = store.onChange((event) => {
    const { object } = event;
    if (!isWorkload(object)) return;
    const { namespace, name } = object.metadata;
    // Our own status writes come back here too; they change nothing, which ends the loop.
    queueMicrotask(() => reconcile(object.kind, namespace, name));
  });
  return {
    resync: () => {
      for (const o of store.all())
        if (isWorkload(o)) reconcile(o.kind, o.metadata.namespace, o.metadata.name);
    },
    stop: () => {
      unsubscribe();
      for (const t of timers.values()) clearTimeout(t.timer);
      timers.clear();
    },
  };
}
