import type { ProvisioningError } from './aks.ts';
import type { EmulatedReply, EmulatedRequest } from './http.ts';

/** An ARM error answer: status, `x-ms-error-code`, and `{error: {code, message}}`. */
export const armError = (status: number, code: string, message: string): EmulatedReply => ({
  status,
  headers: { 'x-ms-error-code': code },
  body: { error: { code, message } },
});

/** Scaling state of one agent pool (its settings stay in the cluster's agentPoolProfiles). */
export interface StoredPool {
  provisioningState: string;
  eTag: string;
  scaleDoneAt?: number;
  failWith?: ProvisioningError;
  error?: ProvisioningError;
}

/** The part of an emulated managed cluster the agent pools live in. */
export interface AgentPoolCluster {
  readonly name: string;
  readonly location: string;
  readonly provisioningState: string;
  readonly properties: Record<string, unknown>;
  pools?: Map<string, StoredPool>;
}

/** What the ARM emulator lends the agent pool handler. */
export interface AgentPoolHost {
  readonly now: number;
  /** Node quota of the subscription, over the first pool of every cluster. */
  readonly maxNodes: number;
  readonly scaleFailure?: ProvisioningError;
  readonly scaleMs: number;
  /** Scales started, by cluster name. */
  readonly scales: Map<string, number>;
  readonly clusters: Iterable<AgentPoolCluster>;
  etag(seed: string): string;
  /** Record a scale operation of `target` (`<cluster>/<pool>`); returns its Azure-AsyncOperation URL. */
  startScale(sub: string, location: string, target: string): string;
}

/** Where an agent pool request points. */
export interface AgentPoolPath {
  readonly sub: string;
  readonly rg: string;
  readonly clusterName: string;
  readonly name: string;
}

/**
 * Agent pools (Microsoft.ContainerService/managedClusters/agentPools, REFERENCE.md "Resizing"):
 * GET answers the pool with `count`, `provisioningState` and `properties.eTag`; PUT replaces it
 * and, for a new count, scales: provisioningState Scaling until due, then Succeeded, or Failed
 * with `status.provisioningError` (AgentPoolStatus in the 2025 API). If-Match on a stale eTag is
 * 412 (ARM's optimistic concurrency); a PUT while another operation runs is 409
 * OperationNotAllowed "Another operation (Scaling) is in progress" (AKS's words); count outside
 * 1..1000 (System) or 0..1000 (User) is 400 InvalidParameter (our wording); more nodes than the
 * subscription's quota is 400 ErrCode_InsufficientVCPUQuota (AKS's preflight code, our wording).
 */
export function agentPoolRequest(
  host: AgentPoolHost,
  request: EmulatedRequest,
  at: AgentPoolPath,
  cluster: AgentPoolCluster | undefined,
): EmulatedReply {
  const { sub, rg, clusterName, name } = at;
  const profiles = (cluster?.properties.agentPoolProfiles as Record<string, unknown>[] | undefined) ?? [];
  const profile = profiles.find((p) => p.name === name);
  if (!cluster || !profile || cluster.provisioningState === 'Creating') {
    return armError(404, 'NotFound', `agent pool ${name} of managed cluster ${clusterName} not found`);
  }
  cluster.pools ??= new Map();
  let pool = cluster.pools.get(name);
  if (!pool) {
    pool = { provisioningState: 'Succeeded', eTag: host.etag(clusterName) };
    cluster.pools.set(name, pool);
  }
  const stored = pool;
  const id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${clusterName}/agentPools/${name}`;
  const json = () => {
    const { name: _, ...properties } = profile;
    return {
      id,
      name,
      type: 'Microsoft.ContainerService/managedClusters/agentPools',
      properties: {
        ...properties,
        provisioningState: stored.provisioningState,
        eTag: stored.eTag,
        ...(stored.error ? { status: { provisioningError: stored.error } } : {}),
      },
    };
  };
  if (request.method === 'GET') return { status: 200, body: json() };
  if (request.method !== 'PUT') return armError(405, 'MethodNotAllowed', 'method not allowed');
  const ifMatch = request.headers['if-match'];
  if (typeof ifMatch === 'string' && ifMatch !== pool.eTag)
    return armError(412, 'PreconditionFailed', 'The eTag given in If-Match does not match the resource.');
  if (pool.provisioningState !== 'Succeeded' && pool.provisioningState !== 'Failed') {
    return armError(
      409,
      'OperationNotAllowed',
      `Operation is not allowed: Another operation (${pool.provisioningState}) is in progress, please wait for it to finish before starting a new operation.`,
    );
  }
  const count = (request.body as { properties?: { count?: unknown } } | undefined)?.properties?.count;
  const min = profile.mode === 'System' ? 1 : 0;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < min || count > 1000) {
    return armError(
      400,
      'InvalidParameter',
      `The value of parameter agentPoolProfile.count is invalid: ${String(count)} is outside ${min}..1000 for a ${String(profile.mode)} pool.`,
    );
  }
  let used = 0;
  for (const c of host.clusters) {
    if (c !== cluster)
      used += (c.properties.agentPoolProfiles as { count?: number }[] | undefined)?.[0]?.count ?? 0;
  }
  if (used + count > host.maxNodes) {
    return armError(
      400,
      'ErrCode_InsufficientVCPUQuota',
      `Insufficient vcpu quota requested ${count * 4}, remaining ${(host.maxNodes - used) * 4} for family standardDSv5Family for region ${cluster.location}.`,
    );
  }
  profile.count = count;
  pool.eTag = host.etag(clusterName);
  pool.provisioningState = 'Scaling';
  pool.error = undefined;
  pool.scaleDoneAt = host.now + host.scaleMs;
  pool.failWith = host.scaleFailure;
  host.scales.set(clusterName, (host.scales.get(clusterName) ?? 0) + 1);
  const url = host.startScale(sub, cluster.location, `${clusterName}/${name}`);
  return { status: 200, headers: { 'azure-asyncoperation': url }, body: json() };
}

/** Scales that are due end Succeeded, or Failed with their provisioning error; `settle` ends their operations. */
export function settleAgentPools(
  now: number,
  cluster: AgentPoolCluster,
  settle: (target: string, error?: ProvisioningError) => void,
): void {
  for (const [name, pool] of cluster.pools ?? []) {
    if (pool.provisioningState !== 'Scaling' || now < (pool.scaleDoneAt ?? 0)) continue;
    pool.provisioningState = pool.failWith ? 'Failed' : 'Succeeded';
    pool.error = pool.failWith;
    settle(`${cluster.name}/${name}`, pool.failWith);
  }
}
