import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../../../../shared/drivers/store/dynamodb.ts';
import { DriverError, NotFoundError, VersionConflictError } from '../../../../../shared/errors.ts';
import { makeRecord } from '../../../../support/records.ts';

const doc = mockClient(DynamoDBDocumentClient);
const meta = { $metadata: {} };
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', ...meta });

function store() {
  return DynamoDbStore.create({
    table: 'clusterburst-test-state',
    client: new DynamoDBClient({ region: 'eu-west-1' }),
  });
}

describe('dynamodb store error paths', () => {
  beforeEach(() => doc.reset());
  afterEach(() => doc.reset());

  it('reports a lost compare-and-swap as a version conflict', async () => {
    const record = { ...makeRecord(), version: 3 };
    doc.on(UpdateCommand).rejects(conditionFailed());
    doc
      .on(GetCommand)
      .resolves({ Item: { pk: `burst#${record.id}`, record: JSON.stringify({ ...record, version: 4 }) } });
    await expect(store().update({ ...record, phase: 'Provisioning' })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
  });

  it('reports an update of a record that is gone as not found', async () => {
    doc.on(UpdateCommand).rejects(conditionFailed());
    doc.on(GetCommand).resolves({});
    await expect(store().update({ ...makeRecord(), version: 1 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('tries admission again when another admitter moved the fleet item first', async () => {
    doc.on(GetCommand).resolves({});
    doc.on(QueryCommand).resolves({ Items: [] });
    doc.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({});
    doc.on(PutCommand).resolves({});
    const record = makeRecord();
    const result = await store().admit(record.reason.signalKey, () => ({ admit: true, record, events: [] }));
    expect(result).toMatchObject({ admitted: true, record: { id: record.id, version: 1 } });
    const claims = doc
      .commandCalls(UpdateCommand)
      .filter((c) => c.args[0].input.UpdateExpression?.startsWith('SET'));
    expect(claims).toHaveLength(2);
    expect(doc.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('fails retryably when DynamoDB keeps throttling', async () => {
    doc.on(GetCommand).rejects(
      new ProvisionedThroughputExceededException({
        message: 'Rate of requests exceeds the allowed throughput',
        ...meta,
      }),
    );
    const failure = await store()
      .get('b-0123456789ab')
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DriverError);
    expect(failure).toMatchObject({
      retryable: true,
      message: expect.stringContaining('ProvisionedThroughputExceeded'),
    });
  });

  it('fails for good when the table or the permission is missing', async () => {
    doc.on(GetCommand).rejects(
      new DynamoDBServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'not authorized to perform: dynamodb:GetItem',
        ...meta,
      }),
    );
    await expect(store().get('b-0123456789ab')).rejects.toMatchObject({ retryable: false });
  });

  it('drops an admission the table refuses for good, so later admissions are not wedged', async () => {
    doc.on(GetCommand).resolves({});
    doc.on(QueryCommand).resolves({ Items: [] });
    doc.on(UpdateCommand).resolves({});
    doc.on(PutCommand).rejects(
      new DynamoDBServiceException({
        name: 'ValidationException',
        $fault: 'client',
        message: 'Item size has exceeded the maximum allowed size',
        ...meta,
      }),
    );
    const record = makeRecord();
    await expect(
      store().admit(record.reason.signalKey, () => ({ admit: true, record, events: [] })),
    ).rejects.toMatchObject({
      retryable: false,
    });
    const release = doc
      .commandCalls(UpdateCommand)
      .find((c) => c.args[0].input.UpdateExpression?.startsWith('REMOVE'));
    expect(release?.args[0].input.ExpressionAttributeValues).toEqual({ ':id': record.id });
  });
});
