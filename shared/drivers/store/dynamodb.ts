/**
 * Over ~350 lines on purpose: one store class (reads, admission, writes with their outbox, prune);
 * the table layout, fleet item, reader and errors are beside it (dynamodb-*.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BurstCluster } from '../../domain/burst-cluster.ts';
import { isLive, type Phase, TERMINAL_PHASES } from '../../domain/lifecycle.ts';
import { DriverError, NotFoundError, VersionConflictError } from '../../errors.ts';
import type { LifecycleEvent } from '../../schemas/lifecycle-event.ts';
import { retryContended } from './contention.ts';
import { dynamoError, isConditionFailed } from './dynamodb-errors.ts';
import { DynamoFleet, type FleetItem } from './dynamodb-fleet.ts';
import type { DynamoDbStoreConfigOptions } from './dynamodb-options.ts';
import { DynamoReader } from './dynamodb-reader.ts';
import {
  casUpdate,
  idOfKey,
  isSettled,
  newItem,
  outboxItems,
  type RecordItem,
  recordKey,
  recordOf,
  SIGNAL_INDEX,
} from './dynamodb-table.ts';
import {
  type AdmitResult,
  type BurstStore,
  DEFAULT_RETENTION_SECONDS,
  type Decide,
  matchesQuery,
  type OutboxEntry,
  type RecordPage,
  type RecordQuery,
} from './store.ts';

/** Options of the DynamoDB store: the parsed `store.options`, plus what the runtime and tests add. */
export interface DynamoDbStoreOptions extends DynamoDbStoreConfigOptions {
  /** A ready client (tests); built from `region`/`endpoint` when absent. */
  readonly client?: DynamoDBClient;
  /** Installation id, kept on the fleet item. */
  readonly owner?: string;
  /** How long ended records are kept (TTL and `prune`). @default 7 days */
  readonly retentionSeconds?: number;
  /** Admission attempts before giving up retryably. @default 25 */
  readonly maxAttempts?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

const EVENT_BURST_ID = /^(b-[0-9a-f]{12}):/;

/**
 * The store on DynamoDB, for Lambda. One item per record with its outbox in a map attribute, so
 * one conditional write (`version = :seen`) is the compare-and-swap and the outbox write at
 * once (no transactions needed). Admission is serialised by a conditional write on the fleet
 * item, which also holds the ids of unsettled records (live, or ended with events to deliver):
 * health passes, admission and the relay read those with consistent reads, so their cost follows
 * what is live. Records of a signal and ended records are found through indexes; ended records
 * carry a TTL and `prune` removes them after the retention.
 * @example
 * const store = DynamoDbStore.create({ table: 'clusterburst-prod-state' });
 */
export class DynamoDbStore implements BurstStore {
  readonly name = 'dynamodb';
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #fleet: DynamoFleet;
  readonly #read: DynamoReader;
  readonly #retentionMs: number;
  readonly #maxAttempts: number;
  readonly #now: () => Date;
  readonly #listeners: (() => void)[] = [];

  private constructor(options: DynamoDbStoreOptions & { readonly client: DynamoDBClient }) {
    this.#doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.#table = options.table;
    this.#retentionMs = (options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS) * 1000;
    this.#maxAttempts = options.maxAttempts ?? 25;
    this.#now = options.now ?? (() => new Date());
    this.#fleet = new DynamoFleet(this.#doc, this.#table, options.owner);
    this.#read = new DynamoReader(this.#doc, this.#table, this.#maxAttempts);
  }

  /** A store on `options.table`, with the given client or one built from region and endpoint. */
  static create(options: DynamoDbStoreOptions): DynamoDbStore {
    const client =
      options.client ??
      new DynamoDBClient({
        ...(options.region && { region: options.region }),
        ...(options.endpoint && { endpoint: options.endpoint }),
      });
    return new DynamoDbStore({ ...options, client });
  }

  async get(id: string): Promise<BurstCluster | undefined> {
    const item = await this.#read.get(id);
    return item ? recordOf(item) : undefined;
  }

  async list(query: RecordQuery = {}): Promise<BurstCluster[]> {
    let items: RecordItem[];
    if (query.live || query.phases?.every((p) => isLive(p))) {
      items = await this.#unsettled();
    } else if (query.signalKey !== undefined) {
      items = await this.#read.query(
        SIGNAL_INDEX,
        '#k = :k',
        { '#k': 'signalKey' },
        { ':k': query.signalKey },
      );
    } else if (query.phases) {
      items = (await Promise.all(query.phases.map((p) => this.#read.byPhase(p)))).flat();
    } else {
      items = await this.#read.scanAll();
    }
    return items
      .map(recordOf)
      .filter((r) => matchesQuery(r, query))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async page(options: { readonly limit: number; readonly cursor?: string }): Promise<RecordPage> {
    const { items, next } = await this.#read.scanPage(options.limit, options.cursor);
    return { records: items.map(recordOf), ...(next !== undefined && { next }) };
  }

  async prune(): Promise<number> {
    const before = new Date(this.#now().getTime() - this.#retentionMs).toISOString();
    let pruned = 0;
    for (const phase of TERMINAL_PHASES) {
      for (const item of await this.#read.byPhase(phase, before)) {
        if (!isSettled(item)) continue;
        try {
          // Conditional: a record written since the index saw it is left alone.
          await this.#doc.send(
            new DeleteCommand({
              TableName: this.#table,
              Key: { pk: item.pk },
              ConditionExpression: '#ver = :v AND size(#o) = :zero',
              ExpressionAttributeNames: { '#ver': 'version', '#o': 'outbox' },
              ExpressionAttributeValues: { ':v': item.version, ':zero': 0 },
            }),
          );
          pruned++;
        } catch (error) {
          if (isConditionFailed(error)) continue;
          throw dynamoError(`pruning ${idOfKey(item.pk)}`, error);
        }
      }
    }
    return pruned;
  }

  async admit(signalKey: string, decide: Decide): Promise<AdmitResult> {
    return retryContended(() => this.#admitOnce(signalKey, decide), {
      attempts: this.#maxAttempts,
      lost: (error) => error instanceof FleetBusy,
      exhausted: () =>
        new DriverError('dynamodb', 'admission kept conflicting on the fleet item', { retryable: true }),
    });
  }

  /** One admission under the fleet item; FleetBusy when another admission held or took it. */
  async #admitOnce(signalKey: string, decide: Decide): Promise<AdmitResult> {
    const fleet = await this.#fleet.read();
    if (fleet.pending) {
      // A claimed admission whose writer may have died: finish it before deciding anything.
      await this.#finishClaim(fleet.pending);
      throw new FleetBusy();
    }
    const [open, ofSignal] = await Promise.all([
      this.#unsettled(fleet),
      this.#read.query(SIGNAL_INDEX, '#k = :k', { '#k': 'signalKey' }, { ':k': signalKey }),
    ]);
    const view = new Map<string, BurstCluster>();
    for (const item of open) if (isLive(item.phase as Phase)) view.set(idOfKey(item.pk), recordOf(item));
    for (const item of ofSignal) view.set(idOfKey(item.pk), recordOf(item));
    const decision = decide([...view.values()].sort((a, b) => (a.id < b.id ? -1 : 1)));
    if (!decision.admit) {
      return {
        admitted: false,
        why: decision.why,
        ...(decision.duplicateOf && { duplicateOf: decision.duplicateOf }),
      };
    }
    const { id } = decision.record;
    if (view.has(id) || (await this.#read.get(id))) {
      return { admitted: false, why: `burst ${id} already exists`, duplicateOf: id };
    }
    const record: BurstCluster = { ...decision.record, version: 1 };
    const item = newItem(record, decision.events, this.#now(), this.#retentionMs);
    if (!(await this.#fleet.claim(fleet, id, item))) throw new FleetBusy();
    await this.#finishClaim(item);
    // No transactions (dynalite has none): the close follows the insert (see AdmitDecision.close).
    const closed = decision.close && (await this.update(decision.close.record, decision.close.events));
    if (decision.events.length > 0) this.#notify();
    return { admitted: true, record, ...(closed && { closed }) };
  }

  async update(record: BurstCluster, events: readonly LifecycleEvent[] = []): Promise<BurstCluster> {
    const next: BurstCluster = { ...record, version: record.version + 1 };
    // Events on an ended record: list it as unsettled first, so the relay finds them.
    if (events.length > 0 && !isLive(next.phase)) await this.#fleet.open(record.id);
    let saved: RecordItem;
    try {
      const out = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: recordKey(record.id),
          ...casUpdate(next, record.version, outboxItems(events, this.#now()), this.#retentionMs),
          ReturnValues: 'ALL_NEW',
        }),
      );
      saved = out.Attributes as RecordItem;
    } catch (error) {
      if (!isConditionFailed(error)) throw dynamoError(`writing burst ${record.id}`, error);
      if (!(await this.#read.get(record.id))) throw new NotFoundError(`burst ${record.id} not found`);
      throw new VersionConflictError(record.id, record.version);
    }
    if (events.length > 0) this.#notify();
    if (isSettled(saved)) await this.#fleet.settle([record.id]);
    return next;
  }

  async pendingEvents(limit: number): Promise<OutboxEntry[]> {
    const entries = (await this.#unsettled()).flatMap((item) =>
      Object.values(item.outbox ?? {}).map((e) => ({
        e,
        key: `${e.enqueuedAt}|${item.pk}|${String(e.seq).padStart(6, '0')}`,
      })),
    );
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return entries
      .slice(0, limit)
      .map(({ e }) => ({ event: JSON.parse(e.event) as LifecycleEvent, attempts: e.attempts }));
  }

  async ackEvents(ids: readonly string[]): Promise<void> {
    const settled: string[] = [];
    for (const [burstId, eventIds] of await this.#byBurst(ids)) {
      const names: Record<string, string> = { '#o': 'outbox' };
      eventIds.forEach((eventId, n) => {
        names[`#e${n}`] = eventId;
      });
      const removes = eventIds.map((_, n) => `#o.#e${n}`).join(', ');
      const saved = await this.#updateIfPresent(`acking events of ${burstId}`, {
        Key: recordKey(burstId),
        UpdateExpression: `REMOVE ${removes}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ReturnValues: 'ALL_NEW',
      });
      if (saved && isSettled(saved)) settled.push(burstId);
    }
    if (settled.length) await this.#fleet.settle(settled);
  }

  async nackEvent(id: string): Promise<void> {
    for (const [burstId] of await this.#byBurst([id])) {
      await this.#updateIfPresent(`counting a failed delivery of ${id}`, {
        Key: recordKey(burstId),
        UpdateExpression: 'SET #o.#e.attempts = #o.#e.attempts + :one',
        ConditionExpression: 'attribute_exists(#o.#e)',
        ExpressionAttributeNames: { '#o': 'outbox', '#e': id },
        ExpressionAttributeValues: { ':one': 1 },
      });
    }
  }

  onEvents(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    this.#doc.destroy();
  }

  /** Creates a claimed record (a second put of the same one is a no-op), then frees the fleet. */
  async #finishClaim(item: Record<string, unknown>): Promise<void> {
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) {
        const failure = dynamoError('creating a claimed burst', error);
        // Refused for good (too large, say): drop the claim so one bad entry cannot wedge admission.
        if (!failure.retryable) await this.#fleet.release(idOfKey(item.pk as string));
        throw failure;
      }
    }
    await this.#fleet.release(idOfKey(item.pk as string));
  }

  /**
   * The unsettled records (consistent reads by id). Ids found settled, or gone without being the
   * pending admission (whose item may not be written yet), are dropped from the set.
   */
  async #unsettled(seen?: FleetItem): Promise<RecordItem[]> {
    const fleet = seen ?? (await this.#fleet.read());
    const open = fleet.open;
    const items: RecordItem[] = [];
    for (let i = 0; i < open.length; i += 100)
      items.push(...(await this.#read.batchGet(open.slice(i, i + 100))));
    const found = new Set(items.map((i) => idOfKey(i.pk)));
    const stale = [
      ...open.filter((id) => !found.has(id) && id !== fleet.pendingId),
      ...items.filter(isSettled).map((i) => idOfKey(i.pk)),
    ];
    if (stale.length) await this.#fleet.settle(stale).catch(() => undefined);
    return items.filter((i) => !isSettled(i));
  }

  /** An update whose condition failing means "nothing to do" (the record or entry is gone). */
  async #updateIfPresent(
    what: string,
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>,
  ): Promise<RecordItem | undefined> {
    try {
      const out = await this.#doc.send(new UpdateCommand({ TableName: this.#table, ...input }));
      return out.Attributes as RecordItem | undefined;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw dynamoError(what, error);
    }
  }

  /** Event ids grouped by the burst whose outbox holds them (from the id, else by looking). */
  async #byBurst(ids: readonly string[]): Promise<Map<string, string[]>> {
    const groups = new Map<string, string[]>();
    const add = (burstId: string, eventId: string) =>
      groups.set(burstId, [...(groups.get(burstId) ?? []), eventId]);
    const unknown = ids.filter((id) => {
      const burstId = EVENT_BURST_ID.exec(id)?.[1];
      if (burstId) add(burstId, id);
      return !burstId;
    });
    if (unknown.length) {
      for (const item of await this.#unsettled()) {
        for (const id of unknown) if (item.outbox?.[id]) add(idOfKey(item.pk), id);
      }
    }
    return groups;
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** The fleet item was claimed by another admission (or held by an unfinished one): try again. */
class FleetBusy extends Error {}
