/**
 * What the federation drivers read about a service's objects, whatever federation reports them:
 * the ingress of an exposing Service or Gateway from its status, ready replicas of a workload,
 * and the labels of the namespaces and workload templates on the control plane.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import type {
  ExposeRef,
  ServiceLabels,
  ServiceOnMember,
  ServiceSpec,
  WorkloadRef,
} from '../../domain/services.ts';
import { workloadKey } from '../../domain/services.ts';
import { readIfPresent } from './calls.ts';
import { readCustom } from './owned-object.ts';

const IngressStatus = z.looseObject({
  loadBalancer: z
    .looseObject({
      ingress: z
        .array(z.looseObject({ ip: z.string().optional(), hostname: z.string().optional() }))
        .optional(),
    })
    .optional(),
  addresses: z.array(z.looseObject({ value: z.string() })).optional(),
});

/**
 * The users' address of a service from its exposing object's status: a LoadBalancer Service's
 * first `loadBalancer.ingress` (ip, else hostname), a Gateway's first `addresses` value; the port
 * is the configured one. Undefined while the cloud has assigned none.
 */
export function ingressOf(
  expose: ExposeRef,
  status: unknown,
): { readonly host: string; readonly port: number } | undefined {
  const parsed = IngressStatus.safeParse(status ?? {});
  if (!parsed.success) return undefined;
  const host =
    expose.kind === 'Service'
      ? parsed.data.loadBalancer?.ingress?.map((i) => i.ip ?? i.hostname).find(Boolean)
      : parsed.data.addresses?.[0]?.value;
  return host ? { host, port: expose.port } : undefined;
}

/** `readyReplicas` of a Deployment or StatefulSet status (0 when not reported). */
export function readyReplicasOf(status: unknown): number {
  const ready = (status as { readyReplicas?: unknown } | undefined)?.readyReplicas;
  return typeof ready === 'number' ? ready : 0;
}

/** How a federation reports one of a service's objects on a member. */
export interface MemberReport {
  /** Replicas the federation assigned to the member (workloads). */
  readonly desired: number;
  /** The object's status as the member reported it back through the federation. */
  readonly status: unknown;
}

/**
 * A service on a member from what the federation reports of its objects: assigned and ready
 * replicas summed over its workloads, the ingress from its exposing object, and what is still
 * missing. `report` answers undefined for an object the federation does not have yet; `what`
 * names it in the message (e.g. its ResourceBinding).
 */
export async function serviceOnMember(
  service: ServiceSpec,
  member: string,
  report: (object: WorkloadRef | ExposeRef) => Promise<MemberReport | undefined>,
  what: (object: WorkloadRef | ExposeRef) => string,
): Promise<ServiceOnMember> {
  let desired = 0;
  let ready = 0;
  const missing: string[] = [];
  for (const w of service.workloads) {
    const got = await report(w);
    if (!got) missing.push(what(w));
    desired += got?.desired ?? 0;
    ready += readyReplicasOf(got?.status);
  }
  const e = service.expose;
  const ingress = ingressOf(e, (await report(e))?.status);
  const message = missing.length
    ? `no ${missing.join(', ')} yet`
    : ingress
      ? undefined
      : `${e.kind} ${e.namespace}/${e.name} has no load-balancer ingress on ${member} yet`;
  return {
    service: service.name,
    desiredReplicas: desired,
    readyReplicas: ready,
    ...(ingress ? { ingress } : {}),
    ...(message ? { message } : {}),
  };
}

/** The API coordinates of a workload kind (served under apps/v1). */
export function workloadResource(w: WorkloadRef) {
  return { group: 'apps', version: 'v1', plural: `${w.kind.toLowerCase()}s` } as const;
}

/**
 * Labels of each service's namespaces and workload templates as `kc`'s API server holds them
 * (missing objects give no labels: nothing there to restrict, nothing to propagate).
 */
export async function templateLabels(
  driver: string,
  kc: KubeConfig,
  services: readonly ServiceSpec[],
  /** Where a workload's labels are: by default the apps/v1 object of that name. */
  readWorkload?: (w: WorkloadRef) => Promise<Readonly<Record<string, string>> | undefined>,
): Promise<ServiceLabels[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const read =
    readWorkload ??
    (async (w: WorkloadRef) =>
      (await readCustom(driver, custom, { ...workloadResource(w), namespace: w.namespace, name: w.name }))
        ?.metadata?.labels);
  return Promise.all(
    services.map(async (service) => {
      const namespaces = [...new Set(service.workloads.map((w) => w.namespace))];
      const namespaceLabels = Object.fromEntries(
        await Promise.all(
          namespaces.map(async (name) => {
            const ns = await readIfPresent(driver, `namespace ${name}`, () => core.readNamespace({ name }));
            return [name, ns?.metadata?.labels ?? {}] as const;
          }),
        ),
      );
      const workloadLabels = Object.fromEntries(
        await Promise.all(
          service.workloads.map(async (w) => {
            return [workloadKey(w), (await read(w)) ?? {}] as const;
          }),
        ),
      );
      return { service: service.name, namespaceLabels, workloadLabels };
    }),
  );
}
