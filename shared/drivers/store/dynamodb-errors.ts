import { DriverError } from '../../errors.ts';

/** Whether a conditional write lost (its condition did not hold). */
export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/**
 * Wraps a failed DynamoDB call. The SDK has already retried throttling and 5xx with backoff; what
 * is left is retryable when the service is still busy or failing, and fatal for our own faults
 * (a missing table or permission, a bad request), which need a human.
 */
export function dynamoError(what: string, error: unknown): DriverError {
  const name = (error as { name?: string })?.name ?? '';
  const message = (error as Error)?.message ?? String(error);
  const throttled = /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded/.test(name);
  const serverFault = (error as { $fault?: string }).$fault !== 'client';
  return new DriverError('dynamodb', `${what}: ${name || 'error'}: ${message}`, {
    cause: error,
    retryable: throttled || serverFault,
  });
}
