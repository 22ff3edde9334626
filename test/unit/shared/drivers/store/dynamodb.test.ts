import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { DynamoDbStore } from '../../../../../shared/drivers/store/dynamodb.ts';
import { runStoreContract } from '../../../../support/contracts/store.ts';
import { type LocalDynamo, startDynalite } from '../../../../support/dynalite.ts';

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
