/** The Karmada objects of service placement as the driver writes and reads them (pure shapes). */
import { z } from 'zod';
import { BURST_MARKER_LABEL, OWNER_LABEL } from '../../domain/names.ts';
import type { ServiceSpec } from '../../domain/services.ts';
import type { KarmadaOptions } from './karmada-options.ts';

/** Label naming the service a policy of ours is for. */
export const SERVICE_LABEL = 'clusterburst.io/service';

const Placement = z
  .looseObject({
    clusterAffinity: z.looseObject({ clusterNames: z.array(z.string()).default([]) }).optional(),
  })
  .optional();

const BindingSchema = z.looseObject({
  spec: z.looseObject({
    replicas: z.number().default(0),
    placement: Placement,
    clusters: z.array(z.looseObject({ name: z.string(), replicas: z.number().default(0) })).default([]),
  }),
  status: z
    .looseObject({
      aggregatedStatus: z
        .array(z.looseObject({ clusterName: z.string(), status: z.unknown().optional() }))
        .default([]),
    })
    .default({ aggregatedStatus: [] }),
});

/** A ResourceBinding (work.karmada.io/v1alpha2), as far as placement reads it. */
export type Binding = z.output<typeof BindingSchema>;

/** Parses a ResourceBinding; an unreadable one reads as assigning nothing. */
export function parseBinding(object: unknown): Binding {
  const parsed = BindingSchema.safeParse(object);
  return parsed.success ? parsed.data : BindingSchema.parse({ spec: {} });
}

/** Karmada's binding name for a resource template: `<name>-<kind>`, lower case. */
export function bindingName(name: string, kind: string): string {
  return `${name}-${kind}`.toLowerCase();
}

/** Cluster names of a policy's or binding's `placement.clusterAffinity`. */
export function placementNames(object: object): string[] {
  const spec = z.looseObject({ placement: Placement }).safeParse((object as { spec?: unknown }).spec ?? {});
  return spec.success ? (spec.data.placement?.clusterAffinity?.clusterNames ?? []) : [];
}

/** Replicas a binding assigns to `cluster`. */
export function assignedTo(binding: Binding, cluster: string): number {
  return binding.spec.clusters.find((c) => c.name === cluster)?.replicas ?? 0;
}

/** Clusters whose assigned replicas are not all ready yet, as `a 1/2 ready`; undefined when all are. */
export function homeShortfall(binding: Binding): string | undefined {
  const short = binding.spec.clusters.flatMap((c) => {
    const status = binding.status.aggregatedStatus.find((a) => a.clusterName === c.name)?.status;
    const ready = (status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0;
    return c.replicas > 0 && ready < c.replicas ? [`${c.name} ${ready}/${c.replicas} ready`] : [];
  });
  return short.length ? short.join(', ') : undefined;
}

/**
 * Our PropagationPolicy for `service` in `namespace`: its workloads and exposing object there,
 * on the clusters `names` (Karmada ANDs the terms of one affinity, so "home or burst" is the
 * union of their names), Divided by the static weights, above the site's policy (priority,
 * preemption Always) so it takes the templates over while a burst lasts.
 */
export function policyBody(p: {
  readonly namespace: string;
  readonly name: string;
  readonly owner: string;
  readonly service: ServiceSpec;
  readonly names: readonly string[];
  readonly options: KarmadaOptions;
}): Record<string, unknown> {
  const { service, options } = p;
  const exposeApi = service.expose.kind === 'Service' ? 'v1' : 'gateway.networking.k8s.io/v1';
  const selectors = [
    ...service.workloads
      .filter((w) => w.namespace === p.namespace)
      .map((w) => ({ apiVersion: 'apps/v1', kind: w.kind, name: w.name })),
    ...(service.expose.namespace === p.namespace
      ? [{ apiVersion: exposeApi, kind: service.expose.kind, name: service.expose.name }]
      : []),
  ];
  return {
    apiVersion: 'policy.karmada.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: { [OWNER_LABEL]: p.owner, [SERVICE_LABEL]: service.name },
    },
    spec: {
      resourceSelectors: selectors,
      priority: options.policyPriority,
      preemption: 'Always',
      placement: {
        clusterAffinity: { clusterNames: [...p.names] },
        replicaScheduling: {
          replicaSchedulingType: 'Divided',
          replicaDivisionPreference: 'Weighted',
          weightPreference: {
            staticWeightList: [
              { targetCluster: { labelSelector: options.homeClusters }, weight: options.homeWeight },
              {
                targetCluster: {
                  labelSelector: { matchLabels: { [OWNER_LABEL]: p.owner, [BURST_MARKER_LABEL]: 'true' } },
                },
                weight: options.burstWeight,
              },
            ],
          },
        },
      },
    },
  };
}
