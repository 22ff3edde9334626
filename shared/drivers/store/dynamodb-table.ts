import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { type BurstCluster, upgradeRecord } from '../../domain/burst-cluster.ts';
import { isLive } from '../../domain/lifecycle.ts';
import type { LifecycleEvent } from '../../schemas/lifecycle-event.ts';

/** Index of records by signal key (admission's cooldown and duplicates, `list({signalKey})`). */
export const SIGNAL_INDEX = 'signal-index';
/** Index of records by phase and last write (ended-record pruning, `list({phases})`). */
export const PHASE_INDEX = 'phase-index';
/** Attribute DynamoDB's TTL deletes ended records by (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';
/** Key of the fleet item: the admission lock and the set of unsettled record ids. */
export const FLEET_KEY = 'fleet';

/**
 * The table the store expects (serverless.yml declares the same; a test holds them equal). One
 * item per record (`pk` = `burst#<id>`) with its outbox in a map attribute, so one conditional
 * write covers the record and its events; one fleet item (`pk` = `fleet`).
 */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const index = (name: string, hash: string, range: string) => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: hash, KeyType: 'HASH' as const },
      { AttributeName: range, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'signalKey', AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'S' },
      { AttributeName: 'phase', AttributeType: 'S' },
      { AttributeName: 'updatedAt', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      index(SIGNAL_INDEX, 'signalKey', 'createdAt'),
      index(PHASE_INDEX, 'phase', 'updatedAt'),
    ],
  };
}

/** An outbox entry as kept in the record item's `outbox` map, keyed by event id. */
export interface OutboxItem {
  /** The event as JSON (kept opaque: the map key is its id). */
  readonly event: string;
  readonly attempts: number;
  /** When it was enqueued, then its position in that write: orders the outbox. */
  readonly enqueuedAt: string;
  readonly seq: number;
}

/** A record item as read back. */
export interface RecordItem {
  readonly pk: string;
  readonly record: string;
  readonly version: number;
  readonly phase: string;
  readonly signalKey: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly outbox?: Readonly<Record<string, OutboxItem>>;
  readonly expiresAt?: number;
}

/** The key of a record's item. */
export function recordKey(id: string): { pk: string } {
  return { pk: `burst#${id}` };
}

/** The id of a record item's key. */
export function idOfKey(pk: string): string {
  return pk.slice('burst#'.length);
}

/** The query attributes and TTL of `record` (what the indexes and TTL read). */
export function recordAttributes(record: BurstCluster, retentionMs: number) {
  return {
    record: JSON.stringify(record),
    version: record.version,
    phase: record.phase,
    signalKey: record.reason.signalKey,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(isLive(record.phase)
      ? {}
      : { [TTL_ATTRIBUTE]: Math.ceil((Date.parse(record.updatedAt) + retentionMs) / 1000) }),
  };
}

/** A new record's whole item, its events in the outbox. */
export function newItem(
  record: BurstCluster,
  events: readonly LifecycleEvent[],
  now: Date,
  retentionMs: number,
): Record<string, unknown> {
  return {
    ...recordKey(record.id),
    ...recordAttributes(record, retentionMs),
    outbox: outboxItems(events, now),
  };
}

/** Outbox map entries for `events`, in their order. */
export function outboxItems(events: readonly LifecycleEvent[], now: Date): Record<string, OutboxItem> {
  const at = now.toISOString();
  return Object.fromEntries(
    events.map((event, seq) => [
      event.id,
      { event: JSON.stringify(event), attempts: 0, enqueuedAt: at, seq },
    ]),
  );
}

/** The record of an item. */
export function recordOf(item: RecordItem): BurstCluster {
  return upgradeRecord(JSON.parse(item.record) as BurstCluster);
}

/** Whether nothing will change this record again: ended, and its outbox delivered. */
export function isSettled(item: RecordItem): boolean {
  return !isLive(item.phase as BurstCluster['phase']) && Object.keys(item.outbox ?? {}).length === 0;
}

/**
 * The update expression of a compare-and-swap write: the record's attributes, its new events
 * added to the outbox map (each id once, whatever writes repeat it), the TTL set on an ended
 * record and removed from a live one, all conditional on the version it was read at.
 */
export function casUpdate(
  next: BurstCluster,
  seenVersion: number,
  events: Readonly<Record<string, OutboxItem>>,
  retentionMs: number,
) {
  const attributes = recordAttributes(next, retentionMs);
  const ttl = attributes[TTL_ATTRIBUTE];
  // Every attribute by placeholder: several of ours (record, version...) are reserved words.
  const names: Record<string, string> = {
    '#ttl': TTL_ATTRIBUTE,
    '#rec': 'record',
    '#ver': 'version',
    '#ph': 'phase',
    '#sk': 'signalKey',
    '#ca': 'createdAt',
    '#ua': 'updatedAt',
  };
  const values: Record<string, unknown> = {
    ':rec': attributes.record,
    ':nv': attributes.version,
    ':v': seenVersion,
    ':ph': attributes.phase,
    ':sk': attributes.signalKey,
    ':ca': attributes.createdAt,
    ':ua': attributes.updatedAt,
  };
  const sets = ['#rec = :rec', '#ver = :nv', '#ph = :ph', '#sk = :sk', '#ca = :ca', '#ua = :ua'];
  Object.entries(events).forEach(([eventId, entry], n) => {
    names['#o'] = 'outbox';
    names[`#e${n}`] = eventId;
    values[`:e${n}`] = entry;
    sets.push(`#o.#e${n} = if_not_exists(#o.#e${n}, :e${n})`);
  });
  if (ttl !== undefined) {
    sets.push('#ttl = :ttl');
    values[':ttl'] = ttl;
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')}${ttl === undefined ? ' REMOVE #ttl' : ''}`,
    ConditionExpression: '#ver = :v',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
