import type { AgentPool, ContainerServiceClient, ErrorDetail } from '@azure/arm-containerservice';
import type { DriverError } from '../../errors.ts';
import { isQuotaError, statusOf } from './aks-errors.ts';
import type { ProviderCluster } from './provider.ts';

/** What the AKS provider lends the resize functions. */
export interface AksResizeContext {
  readonly client: ContainerServiceClient;
  readonly resourceGroup: string;
  readonly pool: string;
  readonly fail: (action: string, error: unknown) => DriverError;
}

/** Node counts and resize state of a cluster. */
export type ResizeView = Pick<ProviderCluster, 'nodes' | 'resize'>;

/**
 * Node counts and resize state from the agent pool: `count` is the size asked for;
 * `provisioningState` is a free string (REFERENCE): Succeeded is settled (count is current),
 * Failed or Canceled a failed resize with the pool's provisioning error, anything else
 * (Scaling, Updating, a value we do not know) still running.
 */
export function aksResizeView(pool: AgentPool): ResizeView {
  const desired = pool.count;
  const state = pool.provisioningState ?? 'Unknown';
  const wanted = desired === undefined ? {} : { desired };
  if (state === 'Succeeded') return desired === undefined ? {} : { nodes: { current: desired, desired } };
  if (state === 'Failed' || state === 'Canceled') {
    const error = pool.status?.provisioningError;
    const words = error ? describeError(error) : 'no provisioning error given';
    return {
      nodes: wanted,
      resize: {
        state: 'failed',
        message: `agent pool ${pool.name ?? ''} ${state}: ${words}`,
        ...(error && isQuotaError(error) && { quota: true }),
      },
    };
  }
  return { nodes: wanted, resize: { state: 'resizing', message: `agent pool ${pool.name ?? ''} ${state}` } };
}

/** The burst's agent pool, or undefined when AKS does not know it. */
export async function getAgentPool(ctx: AksResizeContext, cluster: string): Promise<AgentPool | undefined> {
  try {
    return await ctx.client.agentPools.get(ctx.resourceGroup, cluster, ctx.pool);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw ctx.fail('get agent pool', error);
  }
}

/**
 * PUT the pool back with the new count (PUT replaces, so every other setting is sent as read),
 * under If-Match of the eTag read: a twin event that changed the pool first makes ours a 412.
 * Nothing is sent when the pool wants that size already or is busy; AKS's 409 for an operation
 * in progress and the 412 count as busy too.
 * @returns whether a request was sent
 */
export async function requestAksResize(
  ctx: AksResizeContext,
  cluster: string,
  pool: AgentPool,
  nodes: number,
): Promise<boolean> {
  const view = aksResizeView(pool);
  if (view.resize?.state === 'resizing') return false;
  if (view.resize === undefined && view.nodes?.desired === nodes) return false;
  try {
    await ctx.client.agentPools.beginCreateOrUpdate(
      ctx.resourceGroup,
      cluster,
      ctx.pool,
      { ...pool, count: nodes },
      pool.eTag ? { ifMatch: pool.eTag } : {},
    );
    return true;
  } catch (error) {
    const status = statusOf(error);
    if (status === 409 || status === 412) return false;
    throw ctx.fail('scale agent pool', error);
  }
}

function describeError(error: ErrorDetail): string {
  const own = `${error.code ?? 'Error'}: ${error.message ?? ''}`.trim();
  const inner = (error.details ?? []).map(describeError);
  return inner.length > 0 ? `${own} (${inner.join('; ')})` : own;
}
