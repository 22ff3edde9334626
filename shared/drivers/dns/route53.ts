/**
 * The `route53` DNS driver: Amazon Route 53 through `ChangeResourceRecordSets`, whose change
 * batches are atomic. A change set goes out as one batch (split only past Route 53's limits of 1000
 * records and 32000 characters per batch), optionally followed by polling `GetChange` until the
 * change is INSYNC, bounded by `syncTimeoutMs`.
 *
 * Ownership (see ownership.ts) is enforced by Route 53 itself: a create is a CREATE of the record
 * and of its ownership TXT (which fails if either exists); an update or delete DELETEs the record
 * and ownership TXT exactly as we own them (which fails if they differ) before creating the new
 * ones. When a batch fails that way, the zone is read once: a create whose ownership TXT is
 * already exactly ours is resent as an update of what is there; anything else is refused with a
 * `DnsOwnershipError` naming the records, and nothing of the batch is applied.
 *
 * Direct mode: records with a set identifier are weighted record sets (one set identifier per
 * cluster); their ownership TXT carries the set identifier in its name, so it needs no weight.
 *
 * Length (~360 lines): the batch, its ownership checks and the one recovery read belong together;
 * the record-set encoding is the only separable part and is short.
 */
import {
  type Change,
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
  Route53Client,
  type RRType,
} from '@aws-sdk/client-route-53';
import type { DnsChange, DnsChangeSet, OwnedDnsRecord } from '../../domain/dns-changes.ts';
import { DriverError } from '../../errors.ts';
import { classifyError } from '../cloud/classify-error.ts';
import type { DnsDriver } from './dns.ts';
import {
  assertManageable,
  changeRecords,
  DnsOwnershipError,
  describeRecord,
  type ListedRecordSet,
  normaliseName,
  ownedRecords,
  ownershipName,
  ownershipValue,
} from './ownership.ts';
import type { Route53Options } from './route53-options.ts';

const DRIVER = 'route53';
/** Route 53 limits per ChangeResourceRecordSets request. */
const MAX_RECORDS = 1000;
const MAX_CHARACTERS = 32_000;

/** What tests and runtimes may inject. */
export interface Route53Deps {
  readonly client?: Route53Client;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/**
 * Amazon Route 53.
 * @example
 * const dns = new Route53Dns({ hostedZoneId: 'Z0123456789ABC', zone: 'example.org', waitForSync: true });
 */
export class Route53Dns implements DnsDriver {
  readonly name = DRIVER;
  readonly #options: Route53Options;
  readonly #zoneId: string;
  readonly #zone: string;
  readonly #client: Route53Client;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;

  constructor(options: Route53Options, deps: Route53Deps = {}) {
    this.#options = options;
    this.#zoneId = options.hostedZoneId.replace(/^\/hostedzone\//, '');
    this.#zone = normaliseName(options.zone);
    this.#client = deps.client ?? new Route53Client({ region: options.region });
    this.#sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = deps.now ?? Date.now;
  }

  toString(): string {
    return `route53 ${this.#zoneId} zone ${this.#zone}`;
  }

  async listOwned(owner: string, filter: { readonly burstId?: string } = {}): Promise<OwnedDnsRecord[]> {
    return ownedRecords((await this.#listAll()).map(listed), owner, filter);
  }

  async apply(changeSet: DnsChangeSet): Promise<void> {
    if (changeSet.changes.length === 0) return;
    for (const change of changeSet.changes) {
      for (const record of changeRecords(change)) {
        assertManageable(DRIVER, this.#zone, record);
        if ((record.setIdentifier === undefined) !== (record.weight === undefined)) {
          // Route 53 needs both; a default weight would never compare equal to the desired record again.
          throw new DriverError(
            DRIVER,
            `cannot manage ${describeRecord(record)}: a weighted record needs both a set identifier and a weight`,
          );
        }
      }
    }
    for (const batch of batches(changeSet.changes)) await this.#applyBatch(batch);
  }

  async #applyBatch(changes: readonly DnsChange[]): Promise<void> {
    try {
      return await this.#send(changes.flatMap(route53Changes));
    } catch (error) {
      if (!(error instanceof InvalidChangeBatch)) throw this.#classify('ChangeResourceRecordSets', error);
      const resolved = await this.#resolveConflicts(changes, error);
      try {
        return await this.#send(resolved.flatMap(route53Changes));
      } catch (retryError) {
        // Every change was fine when read: someone changed the zone in between.
        throw this.#classify('ChangeResourceRecordSets', retryError, true);
      }
    }
  }

  /**
   * Reads the zone once. A change whose ownership TXT is exactly ours is resent against what is
   * there now (an earlier create whose answer was lost, or our record edited by hand); any other
   * change is a conflict.
   */
  async #resolveConflicts(changes: readonly DnsChange[], cause: InvalidChangeBatch): Promise<DnsChange[]> {
    const sets = (await this.#listAll()).map(listed);
    const resolved: DnsChange[] = [];
    const conflicts: string[] = [];
    for (const change of changes) {
      const target = change.action === 'create' ? change.record : change.previous;
      const [current] = ownedRecords(sets, target.owner, { burstId: target.burstId }).filter(
        (record) => describeRecord(record) === describeRecord(target),
      );
      if (!current && change.action === 'create' && !taken(sets, change.record)) {
        resolved.push(change);
      } else if (!current) {
        const why =
          change.action === 'create'
            ? 'exists and is not ours'
            : 'has no ownership record with our owner and burst';
        conflicts.push(`${describeRecord(target)} ${why}`);
      } else if (change.action === 'delete') {
        resolved.push({ action: 'delete', previous: current });
      } else {
        resolved.push({ action: 'update', previous: current, record: change.record });
      }
    }
    if (conflicts.length > 0) throw new DnsOwnershipError(DRIVER, conflicts, { cause });
    return resolved;
  }

  async #send(changes: Change[]): Promise<void> {
    const answer = await this.#client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: this.#zoneId,
        ChangeBatch: { Comment: 'clusterburst', Changes: changes },
      }),
    );
    const id = answer.ChangeInfo?.Id;
    if (this.#options.waitForSync && id) await this.#waitForSync(id);
  }

  /** Polls GetChange until INSYNC; a retryable error when it takes longer than allowed. */
  async #waitForSync(id: string): Promise<void> {
    const deadline = this.#now() + this.#options.syncTimeoutMs;
    for (;;) {
      let status: string | undefined;
      try {
        status = (await this.#client.send(new GetChangeCommand({ Id: id }))).ChangeInfo?.Status;
      } catch (error) {
        throw this.#classify('GetChange', error);
      }
      if (status === 'INSYNC') return;
      if (this.#now() + this.#options.syncPollMs > deadline) {
        throw new DriverError(
          DRIVER,
          `change ${id} still ${status ?? 'unknown'} after ${this.#options.syncTimeoutMs} ms`,
          {
            retryable: true,
          },
        );
      }
      await this.#sleep(this.#options.syncPollMs);
    }
  }

  async #listAll(): Promise<ResourceRecordSet[]> {
    const sets: ResourceRecordSet[] = [];
    let page: ListResourceRecordSetsCommandOutput | undefined;
    do {
      try {
        page = await this.#client.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: this.#zoneId,
            ...(page?.IsTruncated
              ? {
                  StartRecordName: page.NextRecordName,
                  StartRecordType: page.NextRecordType,
                  StartRecordIdentifier: page.NextRecordIdentifier,
                }
              : {}),
          }),
        );
      } catch (error) {
        throw this.#classify('ListResourceRecordSets', error);
      }
      sets.push(...(page.ResourceRecordSets ?? []));
    } while (page.IsTruncated);
    return sets;
  }

  #classify(action: string, error: unknown, retryable?: boolean): DriverError {
    const name = error instanceof Error ? error.name : undefined;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const throttled =
      name === 'ThrottlingException' || name === 'PriorRequestNotComplete' || name === 'Throttling';
    return classifyError(DRIVER, action, error, {
      ...(name ? { code: name } : {}),
      ...(status ? { status } : {}),
      throttled,
      ...(retryable !== undefined ? { retryable } : {}),
      quota: false,
    });
  }
}

/**
 * Whether a create of `record` would clash in Route 53: its ownership name is in use, the same
 * set exists (a simple and a weighted set of one type clash too), or a CNAME shares the name.
 */
function taken(sets: readonly ListedRecordSet[], record: OwnedDnsRecord): boolean {
  const name = normaliseName(record.name);
  const txt = ownershipName(record);
  return sets.some((set) => {
    const setName = normaliseName(set.name);
    if (setName === txt) return true;
    if (setName !== name) return false;
    if (record.type === 'CNAME' ? set.type !== 'CNAME' : set.type === 'CNAME') return true;
    if (set.type !== record.type) return false;
    return (
      set.setIdentifier === undefined ||
      record.setIdentifier === undefined ||
      set.setIdentifier === record.setIdentifier
    );
  });
}

/** Route 53 lists `*` and other special bytes as `\052`-style octal escapes. */
function unescapeName(name: string): string {
  return name.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function listed(set: ResourceRecordSet): ListedRecordSet {
  const values = (set.ResourceRecords ?? []).map((record) => record.Value ?? '');
  return {
    name: unescapeName(set.Name ?? ''),
    type: set.Type ?? '',
    ttl: set.TTL ?? 0,
    values: set.Type === 'TXT' ? values.map((value) => value.replace(/^"|"$/g, '')) : values,
    ...(set.SetIdentifier !== undefined ? { setIdentifier: set.SetIdentifier } : {}),
    ...(set.Weight !== undefined ? { weight: set.Weight } : {}),
  };
}

function recordSet(record: OwnedDnsRecord): ResourceRecordSet {
  return {
    Name: `${normaliseName(record.name)}.`,
    Type: record.type as RRType,
    ...(record.setIdentifier !== undefined
      ? { SetIdentifier: record.setIdentifier, Weight: record.weight }
      : {}),
    TTL: record.ttl,
    ResourceRecords: record.values.map((value) => ({
      Value: record.type === 'CNAME' ? `${normaliseName(value)}.` : value,
    })),
  };
}

function ownershipSet(record: OwnedDnsRecord): ResourceRecordSet {
  return {
    Name: `${ownershipName(record)}.`,
    Type: 'TXT',
    TTL: record.ttl,
    ResourceRecords: [{ Value: `"${ownershipValue(record.owner, record.burstId)}"` }],
  };
}

/** The Route 53 changes of one change; DELETEs double as "exactly as we own it" checks. */
function route53Changes(change: DnsChange): Change[] {
  const remove = (record: OwnedDnsRecord): Change[] => [
    // An ownership record whose record set is gone has nothing to delete but itself.
    ...(record.values.length > 0
      ? [{ Action: 'DELETE' as const, ResourceRecordSet: recordSet(record) }]
      : []),
    { Action: 'DELETE', ResourceRecordSet: ownershipSet(record) },
  ];
  const create = (record: OwnedDnsRecord): Change[] => [
    { Action: 'CREATE', ResourceRecordSet: recordSet(record) },
    { Action: 'CREATE', ResourceRecordSet: ownershipSet(record) },
  ];
  switch (change.action) {
    case 'create':
      return create(change.record);
    case 'update':
      return [...remove(change.previous), ...create(change.record)];
    case 'delete':
      return remove(change.previous);
  }
}

/** Splits a change set only where Route 53's per-request limits force it; each part is atomic. */
function batches(changes: readonly DnsChange[]): DnsChange[][] {
  const result: DnsChange[][] = [];
  let current: DnsChange[] = [];
  let records = 0;
  let characters = 0;
  for (const change of changes) {
    const values = route53Changes(change).flatMap((c) => c.ResourceRecordSet?.ResourceRecords ?? []);
    const size = values.reduce((sum, value) => sum + (value.Value?.length ?? 0), 0);
    if (current.length > 0 && (records + values.length > MAX_RECORDS || characters + size > MAX_CHARACTERS)) {
      result.push(current);
      current = [];
      records = 0;
      characters = 0;
    }
    current.push(change);
    records += values.length;
    characters += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}
