import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DynamoDbStore } from '../../../../../shared/drivers/store/dynamodb.ts';
import { TTL_ATTRIBUTE, tableDefinition } from '../../../../../shared/drivers/store/dynamodb-table.ts';
import { runStoreContract } from '../../../../support/contracts/store.ts';
import { type LocalDynamo, startDynalite } from '../../../../support/dynalite.ts';
import { makeEvent, makeRecord } from '../../../../support/records.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo?.stop();
});

runStoreContract('dynamodb (dynalite)', async (options) => {
  const table = `cb-${randomBytes(4).toString('hex')}`;
  await dynamo.createTable(table);
  const make = () => DynamoDbStore.create({ table, client: dynamo.client(), ...options });
  return { store: make(), second: async () => make() };
});

describe('dynamodb store against the table serverless.yml declares', () => {
  const serverless = parse(readFileSync(new URL('../../../../../serverless.yml', import.meta.url), 'utf8'), {
    logLevel: 'silent',
  }) as {
    provider: { iam: { role: { statements: { Action: string[]; Resource: unknown }[] } } };
    resources: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  };

  it('declares the table the store expects, with TTL on the attribute the store writes', () => {
    const { TableName: _name, ...expected } = tableDefinition('any');
    const table = serverless.resources.Resources.StateTable!;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties).toMatchObject(expected);
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
  });

  it('grants exactly the calls the store makes, on the table and its indexes only', async () => {
    const statement = serverless.provider.iam.role.statements.find((s) =>
      s.Action.some((a) => a.startsWith('dynamodb:')),
    )!;
    expect(statement.Resource).toEqual([
      { 'Fn::GetAtt': ['StateTable', 'Arn'] },
      { 'Fn::Join': ['/', [{ 'Fn::GetAtt': ['StateTable', 'Arn'] }, 'index', '*']] },
    ]);
    const table = `cb-${randomBytes(4).toString('hex')}`;
    await dynamo.createTable(table);
    const client = dynamo.client();
    const sent = new Set<string>();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.add(`dynamodb:${String(context.commandName).replace(/Command$/, '')}`);
        return next(args);
      },
      { step: 'initialize' },
    );
    let clock = new Date('2026-11-22T12:00:00Z');
    const store = DynamoDbStore.create({ table, client, now: () => clock, retentionSeconds: 60 });
    const record = makeRecord();
    const admitted = await store.admit(record.reason.signalKey, () => ({
      admit: true,
      record,
      events: [makeEvent(record)],
    }));
    if (!admitted.admitted) throw new Error(admitted.why);
    const ended = await store.update({
      ...admitted.record,
      phase: 'Deleted',
      updatedAt: clock.toISOString(),
    });
    const [pending] = await store.pendingEvents(10);
    await store.nackEvent(pending!.event.id);
    await store.ackEvents([pending!.event.id]);
    await store.list({ signalKey: record.reason.signalKey });
    await store.list({ live: true });
    await store.page({ limit: 10 });
    await store.get(ended.id);
    clock = new Date(clock.getTime() + 120_000);
    expect(await store.prune()).toBe(1);
    await store.close();
    expect([...sent].sort()).toEqual([...statement.Action].sort());
  });
});
