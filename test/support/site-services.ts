/**
 * The research infrastructure's side of service placement tests: a service's templates on the
 * federation control plane (a Deployment and its LoadBalancer Service, valid against the
 * Kubernetes schema), its ServiceSpec, and the member-side status that kubelet and a cloud
 * load-balancer controller would write (played through the status subresource).
 */
import type { ServiceSpec } from '../../shared/domain/services.ts';
import type { KubeEmulator, KubeObject } from './kube-emulator/index.ts';

/** The templates of service `name` in `namespace` (`replicas` on the Deployment). */
export function serviceTemplates(namespace: string, name: string, replicas: number): KubeObject[] {
  return templatesFor(serviceSpec(namespace, name), replicas);
}

/** The templates of `service`: each workload (Deployment or StatefulSet) and its LoadBalancer Service. */
export function templatesFor(service: ServiceSpec, replicas: number): KubeObject[] {
  const e = service.expose;
  const labels = { app: e.name };
  const workloads: KubeObject[] = service.workloads.map((w) => ({
    apiVersion: 'apps/v1',
    kind: w.kind,
    metadata: { name: w.name, namespace: w.namespace, labels: { ...labels } },
    spec: {
      replicas,
      selector: { matchLabels: { ...labels } },
      ...(w.kind === 'StatefulSet' ? { serviceName: e.name } : {}),
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          containers: [
            { name: w.name, image: 'registry.example.org/app:1', ports: [{ containerPort: 8080 }] },
          ],
        },
      },
    },
  }));
  return [
    ...workloads,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: e.name, namespace: e.namespace, labels: { ...labels } },
      spec: { type: 'LoadBalancer', selector: { ...labels }, ports: [{ port: e.port, targetPort: 8080 }] },
    },
  ];
}

/** Creates the namespace and the templates on the control plane. */
export function createTemplates(controlPlane: KubeEmulator, objects: readonly KubeObject[]): void {
  for (const ns of new Set(objects.map((o) => o.metadata.namespace!)))
    if (!controlPlane.get({ apiVersion: 'v1', kind: 'Namespace', name: ns }))
      controlPlane.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const o of objects) controlPlane.create(o);
}

/** The ServiceSpec of the templates made by `serviceTemplates`. */
export function serviceSpec(namespace: string, name: string): ServiceSpec {
  return {
    name,
    hostname: `${name}.example.org`,
    protocol: 'http',
    burstable: true,
    workloads: [{ namespace, kind: 'Deployment', name }],
    expose: { kind: 'Service', namespace, name, port: 80 },
    health: { type: 'http', path: '/healthz', expectStatus: 200 },
  };
}

/**
 * Plays kubelet on `member`: every Deployment's `readyReplicas` follows its `spec.replicas`,
 * every LoadBalancer Service gets `ingressIp` (a cloud LB controller). Returns `stop`.
 */
export function playMember(member: KubeEmulator, ingressIp?: string): () => void {
  const timer = setInterval(() => {
    try {
      const workloads = ['Deployment', 'StatefulSet'].flatMap((kind) =>
        member.objects({ apiVersion: 'apps/v1', kind }),
      );
      for (const d of workloads) {
        const replicas = Number((d.spec as { replicas?: number }).replicas ?? 1);
        const status = d.status as { readyReplicas?: number } | undefined;
        if (status?.readyReplicas === replicas) continue;
        const ref = {
          apiVersion: 'apps/v1',
          kind: d.kind,
          namespace: d.metadata.namespace,
          name: d.metadata.name!,
        };
        member.patch(
          ref,
          { status: { replicas, readyReplicas: replicas, availableReplicas: replicas } },
          { subresource: 'status' },
        );
      }
      for (const svc of member.objects({ apiVersion: 'v1', kind: 'Service' })) {
        if (!ingressIp || (svc.spec as { type?: string }).type !== 'LoadBalancer' || svc.status) continue;
        const ref = {
          apiVersion: 'v1',
          kind: 'Service',
          namespace: svc.metadata.namespace,
          name: svc.metadata.name!,
        };
        member.patch(
          ref,
          { status: { loadBalancer: { ingress: [{ ip: ingressIp }] } } },
          { subresource: 'status' },
        );
      }
    } catch {
      // raced with a delete: the next round sees it
    }
  }, 20);
  return () => clearInterval(timer);
}
