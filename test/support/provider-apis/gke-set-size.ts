import type { EmulatedReply } from './http.ts';

/** A google.rpc error answer, as the REST transport gets it. */
export const grpcError = (status: number, code: string, message: string): EmulatedReply => ({
  status,
  body: { error: { code: status, status: code, message } },
});

/** How a resize operation fails: its google.rpc code and message. */
export interface ResizeFailure {
  readonly code: number;
  readonly message: string;
}

/** A node pool resize in flight. */
export interface ResizeInFlight {
  readonly nodes: number;
  readonly doneAt: number;
  readonly operation: string;
  readonly failWith?: ResizeFailure;
}

/** The fields of an emulated GKE cluster a resize reads and changes. */
export interface SizedCluster {
  readonly name: string;
  readonly nodePools?: unknown[];
  nodes: number;
  resizing?: ResizeInFlight;
}

/** The operation fields a resize writes. */
export interface ResizeOperation {
  readonly name: string;
  targetLink: string;
}

/** What the emulator lends the setSize handler. */
export interface SetSizeHost {
  readonly now: number;
  readonly resizeMs: number;
  readonly maxNodes: number;
  readonly failure?: ResizeFailure;
  /** Resizes started, by cluster name. */
  readonly resizes: Map<string, number>;
  readonly clusters: Iterable<SizedCluster>;
  /** Whether the cluster is RUNNING (only then does it take a resize). */
  isRunning(cluster: SizedCluster): boolean;
  /** An operation not DONE on the cluster or one of its node pools. */
  runningOn(clusterName: string): { readonly name: string } | undefined;
  /** A new SET_NODE_POOL_SIZE operation on the cluster. */
  startOperation(clusterName: string): ResizeOperation;
}

/**
 * setNodePoolSize (`POST .../nodePools/<pool>:setSize {nodeCount}`), per the GKE v1 REST
 * reference and REFERENCE.md: an Operation of type SET_NODE_POOL_SIZE, RUNNING until the
 * resize is due, then DONE (with `error` when it failed; the pool keeps its nodes); a node
 * count is per zone; another operation running on the cluster gets 400 FAILED_PRECONDITION
 * "incompatible operation" as for delete; a negative count 400 INVALID_ARGUMENT; more nodes
 * than the project's quota GKE's 403 "Insufficient regional quota", as for create.
 */
export function setNodePoolSize(
  host: SetSizeHost,
  path: { readonly parent: string; readonly clusterName: string; readonly pool: string },
  cluster: SizedCluster | undefined,
  body: unknown,
): EmulatedReply {
  const { parent, clusterName, pool } = path;
  if (!cluster) return grpcError(404, 'NOT_FOUND', `Not found: ${parent}/clusters/${clusterName}.`);
  const pools = (cluster.nodePools as { name?: string }[] | undefined) ?? [];
  if (!pools.some((p) => p.name === pool))
    return grpcError(404, 'NOT_FOUND', `Not found: ${parent}/clusters/${clusterName}/nodePools/${pool}.`);
  const nodeCount = (body as { nodeCount?: unknown } | undefined)?.nodeCount;
  if (typeof nodeCount !== 'number' || !Number.isInteger(nodeCount) || nodeCount < 0)
    return grpcError(400, 'INVALID_ARGUMENT', 'Invalid value for field "nodeCount".');
  const running = host.runningOn(clusterName);
  if (running || !host.isRunning(cluster)) {
    return grpcError(
      400,
      'FAILED_PRECONDITION',
      `Cluster is running incompatible operation ${running?.name ?? 'operation-0'}.`,
    );
  }
  let used = 0;
  for (const c of host.clusters) if (c !== cluster) used += c.nodes;
  if (used + nodeCount > host.maxNodes) {
    return grpcError(
      403,
      'PERMISSION_DENIED',
      `Insufficient regional quota to satisfy request: resource "CPUS": request requires '${(nodeCount - cluster.nodes) * 4}.0' and is short '${(used + nodeCount - host.maxNodes) * 4}.0'.`,
    );
  }
  const op = host.startOperation(clusterName);
  op.targetLink = `${op.targetLink}/nodePools/${pool}`;
  cluster.resizing = {
    nodes: nodeCount,
    doneAt: host.now + host.resizeMs,
    operation: op.name,
    ...(host.failure && { failWith: host.failure }),
  };
  host.resizes.set(clusterName, (host.resizes.get(clusterName) ?? 0) + 1);
  return { status: 200, body: op };
}

/**
 * A due resize ends: its operation DONE (`finish`, with the error when it failed), and the pool
 * at the new size unless it failed.
 */
export function settleResize(
  now: number,
  cluster: SizedCluster,
  finish: (operation: string, error?: ResizeFailure) => void,
): void {
  const resize = cluster.resizing;
  if (!resize || now < resize.doneAt) return;
  finish(resize.operation, resize.failWith);
  if (!resize.failWith) cluster.nodes = resize.nodes;
  cluster.resizing = undefined;
}
