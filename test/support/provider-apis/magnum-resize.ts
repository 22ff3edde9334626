import { randomUUID } from 'node:crypto';
import type { EmulatedReply, EmulatedRequest } from './http.ts';

/** A Magnum error answer (`errors[]` with title and detail). */
export const magnumError = (status: number, title: string, detail: string): EmulatedReply => ({
  status,
  body: { errors: [{ request_id: `req-${randomUUID()}`, code: 'client', status, title, detail, links: [] }] },
});

/** The Heat stack update of a resize in flight. */
export interface ResizeInFlight {
  readonly doneAt: number;
  readonly before: number;
  readonly failWith?: string;
}

/** The fields of an emulated Magnum cluster a resize changes. */
export interface ResizableCluster {
  readonly uuid: string;
  readonly name: string;
  status: string;
  status_reason?: string;
  faults?: Record<string, string>;
  node_count: number;
  resizing?: ResizeInFlight;
}

/** What the emulator lends the resize handler. */
export interface ResizeHost {
  readonly now: number;
  readonly resizeMs: number;
  /** min_node_count and max_node_count of the default worker node group. */
  readonly bounds: { readonly min: number; readonly max?: number };
  /** Heat reason the resize ends UPDATE_FAILED with. */
  readonly failure?: string;
  /** Resizes accepted, by cluster name. */
  readonly resizes: Map<string, number>;
}

/** Minor number of Magnum's newest microversion in the emulator, 1.11 ('latest' means this). */
const MAX_MINOR = 11;

/**
 * The statuses a resize may start from (magnum/conductor/handlers/cluster_conductor.py
 * `cluster_resize`, allow_update_status): every *_COMPLETE one.
 */
const RESIZABLE = /_COMPLETE$/;

/**
 * `POST /v1/clusters/{id}/actions/resize {node_count, nodegroup?, nodes_to_remove?}` -> 202
 * `{uuid}` (Magnum API reference, REFERENCE.md "Resizing"): needs microversion 1.7 (406 below,
 * our wording), zero nodes only from 1.10 (400); a status not *_COMPLETE is 400 NotSupported
 * "Resizing a cluster when status is ... is not supported." (cluster_conductor.py); a count
 * outside the node group's min/max is 400 with NGResizeOutBounds's words (magnum/common/
 * exception.py). The cluster is UPDATE_IN_PROGRESS with the new node_count until the Heat
 * update is due (`settleResize`).
 */
export function resizeCluster(
  host: ResizeHost,
  request: EmulatedRequest,
  cluster: ResizableCluster,
): EmulatedReply {
  const header = String(request.headers['openstack-api-version'] ?? '');
  // Microversions compare by their minor number: 1.10 is after 1.7.
  const asked = /container-infra\s+(latest|1\.(\d+))/i.exec(header);
  const minor = !asked ? 1 : asked[1] === 'latest' ? MAX_MINOR : Number(asked[2]);
  if (minor < 7)
    return magnumError(406, 'Not Acceptable', `Resize needs container-infra 1.7 or later, not 1.${minor}.`);
  const count = ((request.body ?? {}) as { node_count?: unknown }).node_count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    return magnumError(400, 'Bad Request', 'Invalid input for field/attribute node_count.');
  if (count === 0 && minor < 10)
    return magnumError(400, 'Bad Request', 'Resizing a node group to zero nodes needs container-infra 1.10.');
  if (!RESIZABLE.test(cluster.status)) {
    return magnumError(
      400,
      'Bad Request',
      `Resizing a cluster when status is "${cluster.status}" is not supported.`,
    );
  }
  const { min, max } = host.bounds;
  if (count < min || (max !== undefined && count > max)) {
    return magnumError(
      400,
      'Bad Request',
      `Resizing default-worker outside the allowed range: min_node_count = ${min}, max_node_count = ${max ?? 'None'}`,
    );
  }
  cluster.resizing = {
    doneAt: host.now + host.resizeMs,
    before: cluster.node_count,
    ...(host.failure !== undefined && { failWith: host.failure }),
  };
  cluster.node_count = count;
  cluster.status = 'UPDATE_IN_PROGRESS';
  cluster.status_reason = undefined;
  cluster.faults = undefined;
  host.resizes.set(cluster.name, (host.resizes.get(cluster.name) ?? 0) + 1);
  return { status: 202, body: { uuid: cluster.uuid } };
}

/**
 * A due resize ends UPDATE_COMPLETE, or UPDATE_FAILED with Heat's reason in status_reason and
 * faults; node_count stays as asked either way, as Magnum leaves it.
 */
export function settleResize(now: number, cluster: ResizableCluster): void {
  const resizing = cluster.resizing;
  if (cluster.status !== 'UPDATE_IN_PROGRESS' || !resizing || now < resizing.doneAt) return;
  const failWith = resizing.failWith;
  cluster.status = failWith === undefined ? 'UPDATE_COMPLETE' : 'UPDATE_FAILED';
  cluster.status_reason = failWith ?? 'Stack UPDATE completed successfully';
  if (failWith !== undefined) cluster.faults = { 'default-worker': failWith };
  cluster.resizing = undefined;
}
