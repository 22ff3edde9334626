import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Phase } from '../../domain/lifecycle.ts';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import { dynamoError } from './dynamodb-errors.ts';
import { PHASE_INDEX, type RecordItem, recordKey } from './dynamodb-table.ts';

/**
 * The reads of the dynamodb store: consistent gets by id (single and batched, with retries of
 * what DynamoDB left unprocessed), paged index queries and scans.
 */
export class DynamoReader {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #maxAttempts: number;

  constructor(doc: DynamoDBDocumentClient, table: string, maxAttempts: number) {
    this.#doc = doc;
    this.#table = table;
    this.#maxAttempts = maxAttempts;
  }

  /** Records by id, read consistently. */
  async batchGet(ids: readonly string[]): Promise<RecordItem[]> {
    const items: RecordItem[] = [];
    let keys: Record<string, unknown>[] = ids.map(recordKey);
    if (keys.length === 0) return items;
    const throttled = new DriverError('dynamodb', 'batch read kept being throttled', { retryable: true });
    // Only the keys DynamoDB left unprocessed (throttled) are asked for again.
    await retry(
      async () => {
        const out = await this.#send('reading records', () =>
          this.#doc.send(
            new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: keys, ConsistentRead: true } } }),
          ),
        );
        items.push(...((out.Responses?.[this.#table] ?? []) as RecordItem[]));
        keys = (out.UnprocessedKeys?.[this.#table]?.Keys ?? []) as Record<string, unknown>[];
        if (keys.length > 0) throw throttled;
      },
      { attempts: this.#maxAttempts, baseMs: 10, maxMs: 150, retryIf: (e) => e === throttled },
    );
    return items;
  }

  /** Records of a phase through its index, optionally only those last written before `before`. */
  async byPhase(phase: Phase, before?: string): Promise<RecordItem[]> {
    return this.query(
      PHASE_INDEX,
      before ? '#p = :p AND #u < :t' : '#p = :p',
      { '#p': 'phase', ...(before && { '#u': 'updatedAt' }) },
      { ':p': phase, ...(before && { ':t': before }) },
    );
  }

  /** Every item of an index query, all pages. */
  async query(
    index: string,
    condition: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<RecordItem[]> {
    const items: RecordItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.#send(`querying ${index}`, () =>
        this.#doc.send(
          new QueryCommand({
            TableName: this.#table,
            IndexName: index,
            KeyConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ...(start && { ExclusiveStartKey: start }),
          }),
        ),
      );
      items.push(...((out.Items ?? []) as RecordItem[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Every record item of the table, all pages. */
  async scanAll(): Promise<RecordItem[]> {
    const items: RecordItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.scanPage(500, cursor);
      items.push(...page.items);
      cursor = page.next;
    } while (cursor !== undefined);
    return items;
  }

  /** One scan page of record items (the fleet item filtered out); the cursor is the last key. */
  async scanPage(limit: number, cursor?: string): Promise<{ items: RecordItem[]; next?: string }> {
    const out = await this.#send('scanning records', () =>
      this.#doc.send(
        new ScanCommand({
          TableName: this.#table,
          Limit: Math.max(1, Math.floor(limit)),
          FilterExpression: 'begins_with(#pk, :p)',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':p': 'burst#' },
          ...(cursor !== undefined && {
            ExclusiveStartKey: { pk: Buffer.from(cursor, 'base64url').toString('utf8') },
          }),
        }),
      ),
    );
    const next = out.LastEvaluatedKey?.pk;
    return {
      items: (out.Items ?? []) as RecordItem[],
      ...(typeof next === 'string' && { next: Buffer.from(next).toString('base64url') }),
    };
  }

  /** One record item, read consistently. */
  async get(id: string): Promise<RecordItem | undefined> {
    const out = await this.#send(`reading burst ${id}`, () =>
      this.#doc.send(new GetCommand({ TableName: this.#table, Key: recordKey(id), ConsistentRead: true })),
    );
    return out.Item as RecordItem | undefined;
  }

  async #send<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw dynamoError(what, error);
    }
  }
}
