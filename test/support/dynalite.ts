import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { tableDefinition } from '../../shared/drivers/store/dynamodb-table.ts';

/** A DynamoDB-compatible server (dynalite, in memory) on a free loopback port. */
export interface LocalDynamo {
  readonly endpoint: string;
  /** Credentials and region a local client needs (dynalite checks neither). */
  readonly env: Readonly<Record<string, string>>;
  /** A client for the local server. */
  client(): DynamoDBClient;
  /** Creates a table as the store expects it (the serverless.yml one). */
  createTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts dynalite in memory on 127.0.0.1; tables are created at once (no CREATING delay). */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const env = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'eu-west-1' };
  const client = () =>
    new DynamoDBClient({
      endpoint,
      region: env.AWS_REGION,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    });
  return {
    endpoint,
    env,
    client,
    async createTable(name) {
      const c = client();
      try {
        await c.send(new CreateTableCommand(tableDefinition(name)));
      } finally {
        c.destroy();
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
