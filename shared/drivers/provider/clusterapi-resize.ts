import type { CustomObjectsApi } from '@kubernetes/client-node';
import { z } from 'zod';
import { DriverError } from '../../errors.ts';
import { isQuotaMessage } from '../cloud/classify-error.ts';
import { kubeCall } from '../kube/calls.ts';
import { ConditionsSchema } from '../kube/conditions.ts';
import { driverError, isKubeFailure } from '../kube/errors.ts';
import type { ProviderCluster } from './provider.ts';

/** What the Cluster API provider lends the resize functions. */
export interface CapiResizeContext {
  readonly driver: string;
  readonly custom: CustomObjectsApi;
  readonly namespace: string;
  /** Name of the worker MachineDeployment topology that holds the burst's nodes. */
  readonly machineDeployment: string;
}

/** Node counts and resize state of a cluster. */
export type ResizeView = Pick<ProviderCluster, 'nodes' | 'resize'>;

const GROUP = { group: 'cluster.x-k8s.io', version: 'v1beta2' } as const;

/** Labels the topology controller puts on the MachineDeployments it makes for a Cluster. */
const CLUSTER_NAME_LABEL = 'cluster.x-k8s.io/cluster-name';
const DEPLOYMENT_NAME_LABEL = 'topology.cluster.x-k8s.io/deployment-name';

/** The worker topologies of a Cluster (`spec.topology.workers.machineDeployments`). */
const TopologySchema = z.looseObject({
  spec: z
    .looseObject({
      topology: z
        .looseObject({
          workers: z
            .looseObject({
              machineDeployments: z
                .array(z.looseObject({ name: z.string(), replicas: z.number().int().optional() }))
                .default([]),
            })
            .optional(),
        })
        .optional(),
    })
    .default({}),
});

const MachineDeploymentSchema = z.looseObject({
  spec: z.looseObject({ replicas: z.number().int().optional() }).default({}),
  status: z
    .looseObject({
      phase: z.string().optional(),
      replicas: z.number().int().optional(),
      readyReplicas: z.number().int().optional(),
      conditions: ConditionsSchema,
    })
    .default({ conditions: [] }),
});
type MachineDeployment = z.output<typeof MachineDeploymentSchema>;

/** Index and replicas of the burst's worker topology in a Cluster object. */
export function workerTopology(
  ctx: CapiResizeContext,
  cluster: unknown,
): { readonly index: number; readonly replicas?: number } | undefined {
  const parsed = TopologySchema.safeParse(cluster);
  const list = parsed.success ? (parsed.data.spec.topology?.workers?.machineDeployments ?? []) : [];
  const index = list.findIndex((md) => md.name === ctx.machineDeployment);
  return index < 0 ? undefined : { index, replicas: list[index]!.replicas };
}

/**
 * Node counts and resize state: `desired` is the topology's replicas; the MachineDeployment the
 * topology controller made says what runs (`readyReplicas`) and how scaling goes (phase
 * ScalingUp|ScalingDown|Running|Failed, REFERENCE.md). Failed carries the false conditions'
 * words, where an infrastructure provider's quota message ends up.
 */
export async function capiResizeView(
  ctx: CapiResizeContext,
  name: string,
  cluster: unknown,
): Promise<ResizeView> {
  const desired = workerTopology(ctx, cluster)?.replicas;
  const md = await machineDeployment(ctx, name);
  if (desired === undefined) return {};
  if (!md) return { nodes: { desired } };
  const current = md.status.readyReplicas ?? 0;
  const phase = md.status.phase ?? 'Unknown';
  if (phase === 'Failed') {
    const words = md.status.conditions
      .filter((c) => c.status === 'False')
      .map((c) => `${c.type} ${c.reason ?? ''}: ${c.message ?? ''}`.replace(/ :/, ':').trim())
      .join('; ');
    const quota = md.status.conditions.some((c) => isQuotaMessage(c.message));
    return {
      nodes: { current, desired },
      resize: {
        state: 'failed',
        message: `MachineDeployment Failed: ${words || 'no condition says why'}`,
        ...(quota && { quota: true }),
      },
    };
  }
  if (
    md.spec.replicas !== desired ||
    current !== desired ||
    phase === 'ScalingUp' ||
    phase === 'ScalingDown'
  ) {
    return {
      nodes: { current, desired },
      resize: { state: 'resizing', message: `MachineDeployment ${phase}, ${current} of ${desired} ready` },
    };
  }
  return { nodes: { current, desired } };
}

/**
 * Set the topology's replicas with a JSON patch that first tests the entry's name, so a reordered
 * list is a 422 and not a write to another MachineDeployment. Kubernetes is level-triggered: a
 * new count replaces one being reached, so this never waits for a running scale.
 * @returns whether a patch was sent
 */
export async function requestCapiResize(
  ctx: CapiResizeContext,
  name: string,
  cluster: unknown,
  nodes: number,
): Promise<boolean> {
  const topology = workerTopology(ctx, cluster);
  if (!topology) {
    throw new DriverError(ctx.driver, `Cluster ${name} has no worker topology ${ctx.machineDeployment}`);
  }
  if (topology.replicas === nodes) return false;
  const path = `/spec/topology/workers/machineDeployments/${topology.index}`;
  await kubeCall(ctx.driver, `patching Cluster ${name} replicas`, () =>
    ctx.custom.patchNamespacedCustomObject({
      ...GROUP,
      plural: 'clusters',
      namespace: ctx.namespace,
      name,
      body: [
        { op: 'test', path: `${path}/name`, value: ctx.machineDeployment },
        { op: topology.replicas === undefined ? 'add' : 'replace', path: `${path}/replicas`, value: nodes },
      ],
    }),
  );
  return true;
}

/** The MachineDeployment the topology controller made for the burst's workers, if any yet. */
async function machineDeployment(
  ctx: CapiResizeContext,
  name: string,
): Promise<MachineDeployment | undefined> {
  let list: { items?: unknown[] };
  try {
    list = (await ctx.custom.listNamespacedCustomObject({
      ...GROUP,
      plural: 'machinedeployments',
      namespace: ctx.namespace,
      labelSelector: `${CLUSTER_NAME_LABEL}=${name},${DEPLOYMENT_NAME_LABEL}=${ctx.machineDeployment}`,
    })) as { items?: unknown[] };
  } catch (error) {
    // No MachineDeployment kind served (a management cluster without it yet): nothing to read.
    if (isKubeFailure(error, 404)) return undefined;
    throw driverError(ctx.driver, 'listing MachineDeployments', error);
  }
  const parsed = MachineDeploymentSchema.safeParse(list.items?.[0]);
  return parsed.success ? parsed.data : undefined;
}
