import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoError, isConditionFailed } from './dynamodb-errors.ts';
import { FLEET_KEY } from './dynamodb-table.ts';

/** The fleet item as last read. */
export interface FleetItem {
  /** Bumped by every claim: the compare-and-swap token of admission. */
  readonly seq: number;
  /** Ids of unsettled records: live, or ended with events still to deliver (a superset). */
  readonly open: readonly string[];
  /** The record item an admitter claimed but may not have written yet. */
  readonly pending?: Record<string, unknown>;
  /** Id of the pending record: in `open` before its item exists, so never dropped as vanished. */
  readonly pendingId?: string;
}

/**
 * The fleet item that serialises admissions on DynamoDB. An admitter claims it with a write
 * conditional on the `seq` it read, putting the record item it is about to write in `pending`
 * (a write-ahead entry) and its id in the `open` set; it then writes the record and clears the
 * entry. Whoever finds an entry left behind (its writer died) writes the record for it first, so
 * every admission that won is among the records the next admitter decides on. Set additions and
 * removals are single atomic updates, so they need no condition.
 */
export class DynamoFleet {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly owner?: string,
  ) {}

  /** Reads the fleet item (consistently); an absent one is seq 0 with nothing open. */
  async read(): Promise<FleetItem> {
    let item: Record<string, unknown> | undefined;
    try {
      item = (
        await this.doc.send(
          new GetCommand({ TableName: this.table, Key: { pk: FLEET_KEY }, ConsistentRead: true }),
        )
      ).Item;
    } catch (error) {
      throw dynamoError('reading the fleet item', error);
    }
    const open = item?.open instanceof Set ? [...(item.open as Set<string>)].sort() : [];
    const pending =
      typeof item?.pending === 'string' ? (JSON.parse(item.pending) as Record<string, unknown>) : undefined;
    const pendingId = typeof item?.pendingId === 'string' ? item.pendingId : undefined;
    return {
      seq: typeof item?.seq === 'number' ? item.seq : 0,
      open,
      ...(pending && { pending }),
      ...(pendingId && { pendingId }),
    };
  }

  /** Claims admission for `item` (the record with id `id`); false when another admitter moved first. */
  async claim(seen: FleetItem, id: string, item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: FLEET_KEY },
          UpdateExpression:
            'SET seq = :next, pending = :pending, pendingId = :id, #owner = :owner ADD #open :ids',
          ConditionExpression: seen.seq === 0 ? 'attribute_not_exists(seq)' : 'seq = :seq',
          ExpressionAttributeNames: { '#open': 'open', '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':next': seen.seq + 1,
            ':pending': JSON.stringify(item),
            ':id': id,
            ':ids': new Set([id]),
            ':owner': this.owner ?? 'unknown',
            ...(seen.seq === 0 ? {} : { ':seq': seen.seq }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw dynamoError('claiming the fleet item', error);
    }
  }

  /** Clears the pending entry for `id`; already cleared (by a finisher) is fine. */
  async release(id: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: FLEET_KEY },
          UpdateExpression: 'REMOVE #pending, #pid',
          ConditionExpression: '#pid = :id',
          ExpressionAttributeNames: { '#pending': 'pending', '#pid': 'pendingId' },
          ExpressionAttributeValues: { ':id': id },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) return;
      throw dynamoError('releasing the fleet item', error);
    }
  }

  /** Lists `id` as unsettled again (before events are added to an ended record). */
  async open(id: string): Promise<void> {
    await this.#setOp('ADD', [id]);
  }

  /** Drops settled or vanished ids from the unsettled set. */
  async settle(ids: readonly string[]): Promise<void> {
    await this.#setOp('DELETE', ids);
  }

  async #setOp(op: 'ADD' | 'DELETE', ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: FLEET_KEY },
          UpdateExpression: `${op} #open :ids`,
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: { ':ids': new Set(ids) },
        }),
      );
    } catch (error) {
      throw dynamoError('updating the unsettled set', error);
    }
  }
}
