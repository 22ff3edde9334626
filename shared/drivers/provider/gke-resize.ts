import { type ClusterManagerClient, protos } from '@google-cloud/container';
import type { DriverError } from '../../errors.ts';
import { GrpcCode, grpcFacts, isQuotaMessage } from '../cloud/classify-error.ts';
import type { ProviderCluster } from './provider.ts';

type GkeCluster = protos.google.container.v1.ICluster;
type GkeOperation = protos.google.container.v1.IOperation;
const { Operation } = protos.google.container.v1;

/** What the GKE provider lends the resize functions. */
export interface GkeResizeContext {
  readonly client: ClusterManagerClient;
  /** `projects/<p>/locations/<l>`. */
  readonly parent: string;
  readonly nodePool: string;
  readonly callOptions: { readonly timeout: number; readonly maxRetries: number };
  readonly fail: (action: string, error: unknown, retryable?: boolean) => DriverError;
}

/** Node counts and resize state of a cluster. */
export type ResizeView = Pick<ProviderCluster, 'nodes' | 'resize'>;

/**
 * Node counts from the cluster and where the node pool's latest SET_NODE_POOL_SIZE operation
 * stands. GKE reports the nodes running (`currentNodeCount`, over all zones of the pool; a
 * node count is per zone) but not the size asked for, so `desired` is known only once the
 * operation is DONE.
 */
export async function gkeResizeView(ctx: GkeResizeContext, cluster: GkeCluster): Promise<ResizeView> {
  const current = perZone(cluster);
  const latest = await latestResize(ctx, cluster.name ?? '');
  const known = current === undefined ? {} : { current };
  if (latest && enumName(Operation.Status, latest.status) !== 'DONE') {
    const status = enumName(Operation.Status, latest.status);
    return { nodes: known, resize: { state: 'resizing', message: `set node pool size operation ${status}` } };
  }
  if (latest?.error?.message) {
    const { code, message } = latest.error;
    const quota = grpcFacts(code ?? undefined, message).quota === true || isQuotaMessage(message);
    return {
      nodes: known,
      resize: {
        state: 'failed',
        message: `set node pool size operation failed: ${message}`,
        ...(quota && { quota: true }),
      },
    };
  }
  return current === undefined ? {} : { nodes: { current, desired: current } };
}

/**
 * Ask GKE for `nodes` nodes per zone of the pool (setNodePoolSize). Nothing is sent when the
 * pool has that many and no resize failed since, or while a resize runs (GKE would refuse it as
 * an incompatible operation; that refusal from a twin event counts as in progress too).
 * @returns whether a request was sent
 */
export async function requestGkeResize(
  ctx: GkeResizeContext,
  cluster: GkeCluster,
  nodes: number,
): Promise<boolean> {
  const view = await gkeResizeView(ctx, cluster);
  if (view.resize?.state === 'resizing') return false;
  if (view.nodes?.current === nodes) return false;
  try {
    const [operation] = await ctx.client.setNodePoolSize(
      { name: `${ctx.parent}/clusters/${cluster.name}/nodePools/${ctx.nodePool}`, nodeCount: nodes },
      ctx.callOptions,
    );
    if (operation.error?.message) {
      throw Object.assign(new Error(operation.error.message), { code: operation.error.code });
    }
    return true;
  } catch (error) {
    if (codeOf(error) === GrpcCode.FAILED_PRECONDITION && /incompatible operation/i.test(String(error))) {
      return false;
    }
    throw ctx.fail('setNodePoolSize', error);
  }
}

/** The newest SET_NODE_POOL_SIZE operation of the cluster's node pool. */
async function latestResize(ctx: GkeResizeContext, clusterName: string): Promise<GkeOperation | undefined> {
  let operations: GkeOperation[];
  try {
    const [response] = await ctx.client.listOperations({ parent: ctx.parent }, ctx.callOptions);
    operations = response.operations ?? [];
  } catch (error) {
    throw ctx.fail('listOperations', error);
  }
  const target = `/clusters/${clusterName}/nodePools/${ctx.nodePool}`;
  return operations
    .filter((op) => enumName(Operation.Type, op.operationType) === 'SET_NODE_POOL_SIZE')
    .filter((op) => op.targetLink?.endsWith(target))
    .sort((a, b) => (a.startTime ?? '').localeCompare(b.startTime ?? ''))
    .at(-1);
}

/** Nodes per zone: `currentNodeCount` counts every zone of a regional cluster. */
function perZone(cluster: GkeCluster): number | undefined {
  const count = cluster.currentNodeCount;
  if (typeof count !== 'number') return undefined;
  return Math.round(count / Math.max(1, cluster.locations?.length ?? 1));
}

function codeOf(error: unknown): number | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** Enum values arrive as names from the REST transport, as numbers from gRPC; compare by name. */
function enumName(values: Record<string, string | number>, value: unknown): string {
  if (typeof value === 'number') return String(values[value] ?? value);
  return typeof value === 'string' ? value : 'STATUS_UNSPECIFIED';
}
