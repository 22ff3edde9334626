import {
  EKSServiceException,
  ResourceLimitExceededException,
  ServerException,
  ServiceUnavailableException,
  ThrottlingException,
  UnsupportedAvailabilityZoneException,
} from '@aws-sdk/client-eks';
import { type ErrorFacts, isQuotaMessage } from '../cloud/classify-error.ts';

/** What EKS says went wrong: health issues of clusters and node groups, and SDK errors. */

/** The health issues of a cluster or node group as one line, or undefined when there are none. */
export function issues(list: readonly { code?: string; message?: string }[] | undefined): string | undefined {
  if (!list || list.length === 0) return undefined;
  return list.map((i) => `${i.code ?? 'Unknown'}: ${i.message ?? ''}`.trim()).join('; ');
}

/**
 * Health issue codes of a cluster or node group that mean an account limit or a shortage of
 * room: another provider is not bound by them. `InsufficientFreeAddresses` counts too: our
 * subnets have no address left for the nodes, which another provider's network does not share.
 * Configuration faults (`Ec2SubnetInvalidConfiguration`, `NodeCreationFailure`, `AccessDenied`...)
 * and `AutoScalingGroupRateLimitExceeded` (throttling) are not quota.
 */
const QUOTA_ISSUES = new Set([
  'InstanceLimitExceeded',
  'InsufficientFreeAddresses',
  'ResourceLimitExceeded',
  'LimitExceeded',
  'IamLimitExceeded',
  'Ec2LaunchTemplateMaxLimitExceeded',
  'Ec2LaunchTemplateVersionMaxLimitExceeded',
]);

/**
 * Whether any issue is a quota or capacity shortage: by its code, or by its words, as when
 * `AsgInstanceLaunchFailures` carries EC2's `InsufficientInstanceCapacity` or `VcpuLimitExceeded`.
 */
export function someQuota(list: readonly { code?: string; message?: string }[] | undefined): boolean {
  return (list ?? []).some(
    (i) => (i.code !== undefined && QUOTA_ISSUES.has(i.code)) || isQuotaMessage(i.message),
  );
}

/** What the EKS SDK's error types say about retry and quota. */
export function eksFacts(error: unknown): ErrorFacts {
  if (!(error instanceof EKSServiceException)) return {};
  const base = { code: error.name, status: error.$metadata?.httpStatusCode };
  // A cluster or node-group count limit, or an AZ without capacity for EKS: try elsewhere.
  if (
    error instanceof ResourceLimitExceededException ||
    error instanceof UnsupportedAvailabilityZoneException
  ) {
    return { ...base, quota: true, retryable: false };
  }
  if (error instanceof ThrottlingException || error.$retryable?.throttling)
    return { ...base, throttled: true };
  if (
    error instanceof ServerException ||
    error instanceof ServiceUnavailableException ||
    error.$fault === 'server'
  ) {
    return { ...base, retryable: true };
  }
  return base;
}
