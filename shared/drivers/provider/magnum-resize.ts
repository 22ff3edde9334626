import type { DriverError } from '../../errors.ts';
import { isQuotaMessage } from '../cloud/classify-error.ts';
import type { ServiceResponse } from '../openstack/keystone.ts';
import type { ProviderCluster } from './provider.ts';

/** What the Magnum provider lends the resize functions. */
export interface MagnumResizeContext {
  readonly request: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<ServiceResponse>;
  readonly fail: (action: string, status: number, body: unknown) => DriverError;
}

/** The fields of a Magnum cluster a resize looks at. */
export interface MagnumResizeFields {
  readonly uuid: string;
  readonly status?: string | null;
  readonly status_reason?: string | null;
  readonly node_count?: number | null;
  readonly faults?: Readonly<Record<string, string>> | null;
}

/** Node counts and resize state of a cluster. */
export type ResizeView = Pick<ProviderCluster, 'nodes' | 'resize'>;

/** Nova's words for a scheduler that found no room (a capacity shortage). */
const NOVA_CAPACITY = /no valid host was found|not enough hosts available|insufficient compute resources/i;

/**
 * Node counts and resize state from the cluster: `node_count` is the size asked for; a resize
 * is a Heat stack update, so UPDATE_IN_PROGRESS is a resize under way and UPDATE_FAILED a failed
 * one with Heat's reason and faults (Nova's quota or capacity words make it quota). Any other
 * *_COMPLETE status is settled.
 */
export function magnumResizeView(cluster: MagnumResizeFields): ResizeView {
  const status = cluster.status ?? 'UNKNOWN';
  const desired = typeof cluster.node_count === 'number' ? cluster.node_count : undefined;
  const wanted = desired === undefined ? {} : { desired };
  if (status === 'UPDATE_IN_PROGRESS') {
    return { nodes: wanted, resize: { state: 'resizing', message: `Magnum cluster ${status}` } };
  }
  if (status === 'UPDATE_FAILED') {
    const texts = [cluster.status_reason ?? undefined, ...Object.values(cluster.faults ?? {})];
    const faults = Object.entries(cluster.faults ?? {}).map(([resource, why]) => `${resource}: ${why}`);
    const why = [cluster.status_reason, ...faults].filter(Boolean).join('; ');
    const quota = texts.some((t) => isQuotaMessage(t) || (t !== undefined && NOVA_CAPACITY.test(t)));
    return {
      nodes: wanted,
      resize: {
        state: 'failed',
        message: `${status}: ${why || 'no reason given'}`,
        ...(quota && { quota: true }),
      },
    };
  }
  return desired === undefined || !status.endsWith('_COMPLETE')
    ? {}
    : { nodes: { current: desired, desired } };
}

/**
 * POST /clusters/{uuid}/actions/resize {node_count} with the microversion that has it (1.7;
 * 1.10 for zero nodes). Nothing is sent while an update runs or when the cluster wants that
 * size already. Magnum answers 400 for a cluster not *_COMPLETE or a count outside its node
 * group's bounds; a 400 because a twin event's resize to the same size began meanwhile counts
 * as done, anything else is the caller's error with Magnum's words.
 * @returns whether a request was sent
 */
export async function requestMagnumResize(
  ctx: MagnumResizeContext,
  cluster: MagnumResizeFields,
  nodes: number,
  reread: () => Promise<MagnumResizeFields | undefined>,
): Promise<boolean> {
  const view = magnumResizeView(cluster);
  if (view.resize?.state === 'resizing') return false;
  if (view.resize === undefined && view.nodes?.desired === nodes) return false;
  const version = nodes === 0 ? '1.10' : '1.7';
  const path = `/clusters/${cluster.uuid}/actions/resize`;
  const response = await ctx.request(
    'POST',
    path,
    { node_count: nodes },
    { 'openstack-api-version': `container-infra ${version}` },
  );
  if (response.status >= 200 && response.status < 300) return true;
  if (response.status === 400) {
    const now = await reread();
    if (now?.status === 'UPDATE_IN_PROGRESS' && now.node_count === nodes) return false;
  }
  throw ctx.fail(`POST ${path}`, response.status, response.body);
}
