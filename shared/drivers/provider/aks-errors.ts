import type { ErrorDetail, ManagedCluster } from '@azure/arm-containerservice';
import { type ErrorFacts, isQuotaMessage } from '../cloud/classify-error.ts';

/** What Azure says went wrong: ARM request errors and provisioning errors, as quota facts. */

/**
 * ARM and AKS codes of a quota, limit or capacity shortage (besides the generic words).
 * `OperationNotAllowed` is not among them: it is also ARM's word for other refusals, so only its
 * quota wording counts.
 */
const QUOTA_CODES = new Set([
  'QuotaExceeded',
  'ErrCode_InsufficientVCPUQuota',
  'InsufficientVCPUQuota',
  'SkuNotAvailable',
  'AllocationFailed',
  'ZonalAllocationFailed',
  'OverconstrainedAllocationRequest',
]);

/** HTTP status of a RestError (core-rest-pipeline's error carries it as `statusCode`). */
export function statusOf(error: unknown): number | undefined {
  const status = error instanceof Error ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** What a failed ARM request says about throttling and quota. */
export function armFacts(error: unknown): ErrorFacts {
  const status = statusOf(error);
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  const facts = { status, code: typeof code === 'string' ? code : undefined };
  if (status === 429) return { ...facts, throttled: true, quota: false };
  return facts.code && QUOTA_CODES.has(facts.code) ? { ...facts, quota: true, retryable: false } : facts;
}

/** A provisioning error of quota: a quota code or quota words, down its nested details. */
export function isQuotaError(error: ErrorDetail, depth = 0): boolean {
  // Bounded: details nest a few levels deep at most (AKS wraps the VM scale set's error).
  if (depth > 5) return false;
  if (error.code !== undefined && QUOTA_CODES.has(error.code)) return true;
  if (isQuotaMessage(error.message)) return true;
  return (error.details ?? []).some((d) => isQuotaError(d, depth + 1));
}

/**
 * Whether a failed cluster ran short of quota or capacity, by its provisioning error or a node
 * pool's (AKS wraps the VM scale set's `OperationNotAllowed` or `AllocationFailed` in its own code).
 */
export function failedForQuota(cluster: ManagedCluster): boolean {
  return [
    cluster.status?.provisioningError,
    ...(cluster.agentPoolProfiles ?? []).map((p) => p.status?.provisioningError),
  ].some((e) => e !== undefined && isQuotaError(e));
}
