import { describe, expect, it } from 'vitest';
import {
  classifyError,
  GrpcCode,
  grpcFacts,
  isQuotaMessage,
} from '../../../../../shared/drivers/cloud/classify-error.ts';
import { DriverError } from '../../../../../shared/errors.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('classifyError', () => {
  it.each([
    [
      'a short regional CPU quota',
      new Error('Insufficient regional quota to satisfy request: resource "CPUS"'),
      {},
      true,
      false,
    ],
    [
      'EC2 out of capacity',
      new Error('InsufficientInstanceCapacity: no m5.large in eu-west-1c'),
      {},
      true,
      false,
    ],
    ['a GCE stockout', new Error('ZONE_RESOURCE_POOL_EXHAUSTED'), {}, true, false],
    [
      'an ARM quota code',
      new Error('exceeding approved Total Regional Cores'),
      { code: 'QuotaExceeded', status: 400 },
      true,
      false,
    ],
    [
      'a Magnum cluster limit',
      new Error('Resource Limit Exceeded: maximum clusters per project'),
      { status: 403 },
      true,
      false,
    ],
    [
      'a rate limit worded as quota',
      new Error("Quota exceeded for quota metric 'Read requests'"),
      { status: 429 },
      false,
      true,
    ],
    ['a 503', new Error('backend unavailable'), { status: 503 }, false, true],
    ['a throttled call', new Error('Rate exceeded'), { throttled: true }, false, true],
    [
      'a connection reset',
      new TypeError('fetch failed', { cause: withCode('socket hang up', 'ECONNRESET') }),
      {},
      false,
      true,
    ],
    [
      'a timeout',
      Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }),
      {},
      false,
      true,
    ],
    ['a validation error', new Error('Invalid cluster name'), { status: 400 }, false, false],
    [
      'an authentication error',
      new Error('The request you have made requires authentication.'),
      { status: 401 },
      false,
      false,
    ],
  ])('classifies %s as quota=%s retryable=%s', (_what, error, facts, quota, retryable) => {
    const classified = classifyError('p', 'create', error, facts);
    expect(classified).toBeInstanceOf(DriverError);
    expect({ quota: classified.quota, retryable: classified.retryable }).toEqual({ quota, retryable });
    expect(classified.cause).toBe(error);
  });

  it('passes a DriverError through unchanged', () => {
    const original = new DriverError('p', 'already classified', { retryable: true });
    expect(classifyError('p', 'create', original)).toBe(original);
  });

  it('names the driver, the action and the provider code in the message', () => {
    const classified = classifyError('aks-we', 'create managed cluster', new Error('no'), {
      code: 'BadRequest',
    });
    expect(classified.message).toBe('aks-we: create managed cluster failed: BadRequest: no');
  });
});

describe('grpcFacts', () => {
  it.each([
    [GrpcCode.RESOURCE_EXHAUSTED, 'Quota exceeded for resource CPUS', { quota: true }],
    [
      GrpcCode.RESOURCE_EXHAUSTED,
      "Quota exceeded for quota metric 'Read requests per minute'",
      { throttled: true, quota: false },
    ],
    [GrpcCode.UNAVAILABLE, 'try again', { retryable: true }],
    [GrpcCode.INVALID_ARGUMENT, 'bad name', { retryable: false }],
  ])('reads gRPC code %s with "%s"', (code, message, expected) => {
    expect(grpcFacts(code, message)).toMatchObject(expected);
  });
});

describe('isQuotaMessage', () => {
  it.each([
    ['Quota exceeded for cores: Requested 8, but already used 20 of 20 cores', true],
    ['InstanceLimitExceeded: You have reached the vCPU limit', true],
    ['Could not launch On-Demand Instances. InsufficientInstanceCapacity - no m5.large', true],
    ['The zone does not have enough resources (ZONE_RESOURCE_POOL_EXHAUSTED)', true],
    ['exceeding approved standardDSv5Family Cores quota', true],
    ['AutoScalingGroupRateLimitExceeded: Rate exceeded', false],
    ["Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute'", false],
    ['Unable to establish outbound connection', false],
    [undefined, false],
  ])('reads "%s" as quota=%s', (text, quota) => {
    expect(isQuotaMessage(text)).toBe(quota);
  });
});
