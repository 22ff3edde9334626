import { createHash } from 'node:crypto';
import {
  DescribeUpdateCommand,
  type EKSClient,
  ListUpdatesCommand,
  type Nodegroup,
  ResourceInUseException,
  ResourceNotFoundException,
  type Update,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import type { DriverError } from '../../errors.ts';
import { type ErrorFacts, isQuotaMessage } from '../cloud/classify-error.ts';
import type { ProviderCluster } from './provider.ts';

/** What the EKS provider lends the resize functions. */
export interface EksResizeContext {
  readonly client: EKSClient;
  readonly fail: (action: string, error: unknown, override?: ErrorFacts) => DriverError;
}

/** Node counts and resize state of a cluster. */
export type ResizeView = Pick<ProviderCluster, 'nodes' | 'resize'>;

/**
 * Update error codes (EKS `ErrorDetail.errorCode`) that mean the account or the network ran out
 * of room: another provider is not bound by them. Launch failures carry EC2's words instead
 * (`InsufficientInstanceCapacity`, `VcpuLimitExceeded`), which the message check catches.
 */
const QUOTA_CODES = new Set(['EniLimitReached', 'InsufficientFreeAddresses', 'IpNotAvailable']);

/**
 * The node counts of the node group and where its latest ConfigUpdate stands: InProgress is a
 * resize under way, Failed or Cancelled a failed one with EKS's error details. EKS tells only the
 * wanted size (`scalingConfig.desiredSize`); it counts as current once no update runs or failed.
 */
export async function eksResizeView(
  ctx: EksResizeContext,
  clusterName: string,
  group: Nodegroup,
): Promise<ResizeView> {
  const desired = group.scalingConfig?.desiredSize;
  const latest = await latestConfigUpdate(ctx, clusterName, group.nodegroupName ?? '');
  const status = latest?.status;
  if (status === 'InProgress' || (status === undefined && group.status === 'UPDATING')) {
    return {
      nodes: { ...(desired !== undefined && { desired }) },
      resize: { state: 'resizing', message: `node group ConfigUpdate ${status ?? 'pending'}` },
    };
  }
  if (latest && (status === 'Failed' || status === 'Cancelled')) {
    const errors = latest.errors ?? [];
    const words = errors.map((e) => `${e.errorCode ?? 'Unknown'}: ${e.errorMessage ?? ''}`.trim()).join('; ');
    const quota = errors.some(
      (e) => (e.errorCode !== undefined && QUOTA_CODES.has(e.errorCode)) || isQuotaMessage(e.errorMessage),
    );
    return {
      nodes: { ...(desired !== undefined && { desired }) },
      resize: {
        state: 'failed',
        message: `node group ConfigUpdate ${status}: ${words || 'no detail'}`,
        ...(quota && { quota: true }),
      },
    };
  }
  return desired === undefined ? {} : { nodes: { current: desired, desired } };
}

/**
 * Ask EKS for `nodes` nodes (min = desired = nodes, max at least 1, so min <= desired <= max
 * holds). Nothing is sent when the group already wants that size (after a failed update too:
 * EKS puts the old scaling config back) or an update runs. The client
 * request token is derived from the cluster, the size and the group's last modification, so a
 * repeated call (a duplicate event) before EKS took the first is the same update to EKS.
 * @returns whether a request was sent
 */
export async function requestEksResize(
  ctx: EksResizeContext,
  clusterName: string,
  group: Nodegroup,
  nodes: number,
): Promise<boolean> {
  const view = await eksResizeView(ctx, clusterName, group);
  if (view.resize?.state === 'resizing') return false;
  // EKS puts a failed update's scaling config back, so the desired size is the group's truth.
  if (view.nodes?.desired === nodes) return false;
  const modified = group.modifiedAt ? new Date(group.modifiedAt).toISOString() : '';
  const token = createHash('sha256').update(`${clusterName}/${nodes}/${modified}`).digest('hex').slice(0, 32);
  try {
    await ctx.client.send(
      new UpdateNodegroupConfigCommand({
        clusterName,
        nodegroupName: group.nodegroupName,
        scalingConfig: { minSize: nodes, maxSize: Math.max(nodes, 1), desiredSize: nodes },
        clientRequestToken: token,
      }),
    );
    return true;
  } catch (error) {
    // Another update runs (ours from a twin event, say): nothing new to ask until it settles.
    if (error instanceof ResourceInUseException) return false;
    throw ctx.fail('UpdateNodegroupConfig', error);
  }
}

/** The newest ConfigUpdate of the node group (DescribeUpdate needs the nodegroupName for these). */
async function latestConfigUpdate(
  ctx: EksResizeContext,
  clusterName: string,
  nodegroupName: string,
): Promise<Update | undefined> {
  let ids: string[];
  try {
    // One page of 100: a burst lives hours and resizes a handful of times.
    const page = await ctx.client.send(
      new ListUpdatesCommand({ name: clusterName, nodegroupName, maxResults: 100 }),
    );
    ids = page.updateIds ?? [];
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw ctx.fail('ListUpdates', error);
  }
  let latest: Update | undefined;
  for (const updateId of ids) {
    let update: Update | undefined;
    try {
      update = (
        await ctx.client.send(new DescribeUpdateCommand({ name: clusterName, nodegroupName, updateId }))
      ).update;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) continue;
      throw ctx.fail('DescribeUpdate', error);
    }
    if (update?.type !== 'ConfigUpdate') continue;
    // Ties (same second) go to the later in the list.
    if (!latest || new Date(update.createdAt ?? 0) >= new Date(latest.createdAt ?? 0)) latest = update;
  }
  return latest;
}
