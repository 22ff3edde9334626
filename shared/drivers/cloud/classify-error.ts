import { DriverError } from '../../errors.ts';

/**
 * What a provider driver knows about a failed call after looking at its SDK's error with the
 * SDK's own types. Anything left out is inferred from the HTTP status, the code and the message.
 */
export interface ErrorFacts {
  /** HTTP status of the failed response, when there was one. */
  readonly status?: number;
  /** The provider's error code (ARM `code`, gRPC status name, OpenStack fault title...). */
  readonly code?: string;
  /** The provider said to slow down. */
  readonly throttled?: boolean;
  /** Decided by the driver: a quota, limit or capacity error. */
  readonly quota?: boolean;
  /** Decided by the driver: worth repeating later. */
  readonly retryable?: boolean;
}

/**
 * Words providers use for quota, limit and capacity failures. Placement moves on to the next
 * provider on these, so they are matched generously but never on a bare "limit" (rate limits are
 * throttling, not quota).
 */
const QUOTA_WORDS =
  /\bquota|limit ?exceeded|exceeded (?:the |your |a )?(?:\w+ )?limit|insufficient\w* ?(?:\w+ )?capacity|stockout|resource_pool_exhausted|resource_exhausted|skunotavailable|allocationfailed|zonalallocationfailed|overconstrainedallocationrequest/i;

/**
 * Words for request-rate limits, which providers also call quota (Google's "Read requests per
 * minute") or a limit (EKS's `AutoScalingGroupRateLimitExceeded`).
 */
const RATE_WORDS =
  /rate ?limit|rate exceeded|throttl|per (?:minute|second|100 seconds|day)|too many requests/i;

/** Error codes of sockets and undici that mean the network, not the request, failed. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** True when the message or code reads like a quota, limit or capacity failure. */
export function looksLikeQuota(text: string | undefined): boolean {
  return text !== undefined && QUOTA_WORDS.test(text);
}

/**
 * True when a provider's own account of why a cluster failed (status reason, health issue,
 * provisioning error, operation error) says quota or capacity ran short, so placement should
 * move on. Rate limits are left out even when worded as a limit ("RateLimitExceeded") or a
 * quota of requests: there the provider has room and the next attempt may well succeed.
 */
export function isQuotaMessage(text: string | undefined): boolean {
  return text !== undefined && looksLikeQuota(text) && !RATE_WORDS.test(text);
}

/** True for a failure of the connection itself (reset, refused, timed out), anywhere in the cause chain. */
export function isNetworkFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    // AbortSignal.timeout() rejects with a DOMException named TimeoutError; there is no class to test.
    if (e.name === 'TimeoutError') return true;
  }
  return false;
}

/** Statuses worth repeating: timeouts, conflicts of in-flight work, throttling, server faults. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Turn any error of a provider call into a classified DriverError: retryable (throttling, 5xx,
 * timeouts, network), quota (quota, limit, capacity: placement tries the next provider) or
 * fatal (validation, auth, anything else). A DriverError passes through unchanged. The message
 * carries the provider's words but never request bodies or headers, so no secret leaks into logs.
 */
export function classifyError(
  driver: string,
  action: string,
  error: unknown,
  facts: ErrorFacts = {},
): DriverError {
  if (error instanceof DriverError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // A 429 is a rate limit even when the provider words it as a "quota" of requests.
  const quota =
    facts.quota ?? (facts.status !== 429 && (looksLikeQuota(facts.code) || looksLikeQuota(message)));
  const retryable =
    facts.retryable ??
    (!quota &&
      (facts.throttled === true ||
        (facts.status !== undefined && isRetryableStatus(facts.status)) ||
        isNetworkFailure(error)));
  const code = facts.code ? `${facts.code}: ` : '';
  return new DriverError(driver, `${action} failed: ${code}${message}`, { cause: error, retryable, quota });
}

/** gRPC status codes (google.rpc.Code), the numbers GoogleError.code carries. */
export const GrpcCode = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * Facts from a gRPC status code. RESOURCE_EXHAUSTED is both capacity quota and rate limiting at
 * Google; the message tells them apart. GKE reports short regional quota as PERMISSION_DENIED,
 * which the classifier catches by its words ("Insufficient regional quota").
 */
export function grpcFacts(code: number | undefined, message: string): ErrorFacts {
  if (
    RATE_WORDS.test(message) &&
    (code === GrpcCode.RESOURCE_EXHAUSTED || code === GrpcCode.PERMISSION_DENIED)
  ) {
    return { code: grpcName(code), throttled: true, quota: false };
  }
  switch (code) {
    case GrpcCode.RESOURCE_EXHAUSTED:
      return { code: 'RESOURCE_EXHAUSTED', quota: true };
    case GrpcCode.UNAVAILABLE:
    case GrpcCode.DEADLINE_EXCEEDED:
    case GrpcCode.ABORTED:
    case GrpcCode.INTERNAL:
    case GrpcCode.UNKNOWN:
      return { code: grpcName(code), retryable: true };
    case undefined:
      return {};
    default:
      return { code: grpcName(code), retryable: false };
  }
}

function grpcName(code: number): string {
  const entry = Object.entries(GrpcCode).find(([, value]) => value === code);
  return entry ? entry[0] : `gRPC ${code}`;
}
