import { protos } from '@google-cloud/container';
import { GrpcCode, grpcFacts, isQuotaMessage } from '../cloud/classify-error.ts';

/** What GKE says went wrong: gRPC codes, cluster conditions, operation errors, as facts. */

type GkeCluster = protos.google.container.v1.ICluster;
type GkeOperation = protos.google.container.v1.IOperation;
const { StatusCondition } = protos.google.container.v1;

/** gRPC status of a GoogleError (a plain number on the error; the class lives in google-gax). */
export function codeOf(error: unknown): number | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** StatusCondition codes of a shortage: a zone out of machines, or a Compute Engine quota used up. */
const QUOTA_CONDITIONS = new Set(['GCE_STOCKOUT', 'GCE_QUOTA_EXCEEDED']);

/** A StatusCondition's code by name. */
export function conditionCode(condition: protos.google.container.v1.IStatusCondition): string {
  return condition.code === undefined || condition.code === null
    ? ''
    : enumName(StatusCondition.Code, condition.code);
}

/**
 * Whether a cluster in ERROR failed for quota or capacity: a stockout or quota condition, a
 * condition whose canonical code is RESOURCE_EXHAUSTED, or such words in the status message
 * ("ZONE_RESOURCE_POOL_EXHAUSTED", "Insufficient regional quota").
 */
export function errorIsQuota(cluster: GkeCluster): boolean {
  const conditions = cluster.conditions ?? [];
  return (
    isQuotaMessage(cluster.statusMessage ?? undefined) ||
    conditions.some(
      (c) =>
        QUOTA_CONDITIONS.has(conditionCode(c)) || statusIsQuota(codeNumber(c.canonicalCode), c.message ?? ''),
    )
  );
}

/** A google.rpc status (operation error, canonical code) of quota: RESOURCE_EXHAUSTED but not a rate limit, or quota words. */
export function statusIsQuota(code: number | null | undefined, message: string | null | undefined): boolean {
  const text = message ?? '';
  return grpcFacts(code ?? undefined, text).quota === true || isQuotaMessage(text);
}

/** A google.rpc.Code as a number (REST with `enum-encoding=int` gives numbers, otherwise names). */
function codeNumber(code: unknown): number | undefined {
  if (typeof code === 'number') return code;
  return typeof code === 'string' ? (GrpcCode as Record<string, number>)[code] : undefined;
}

/** An operation's error as an Error with its google.rpc code, for classifyError. */
export function operationError(operation: GkeOperation): Error {
  return Object.assign(new Error(operation.error?.message ?? 'operation failed'), {
    code: operation.error?.code,
  });
}

/** Enum values arrive as names from the REST transport, as numbers from gRPC; compare by name. */
export function enumName(values: Record<string, string | number>, value: unknown): string {
  if (typeof value === 'number') return String(values[value] ?? value);
  return typeof value === 'string' ? value : 'STATUS_UNSPECIFIED';
}
