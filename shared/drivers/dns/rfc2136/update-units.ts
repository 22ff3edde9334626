import type { DnsChange, OwnedDnsRecord } from '../../../domain/dns-changes.ts';
import { describeRecord, ownershipName, ownershipValue } from '../ownership.ts';
import { RecordClass, RecordType } from './constants.ts';
import type { WireRecord } from './message.ts';

/**
 * The prerequisites and updates of one change, as RFC 2136 expresses them. A message is
 * applied only if all its prerequisites hold, so the ownership checks and the change are atomic.
 */
export interface UpdateUnit {
  /** `web.example.org A`, for error messages. */
  readonly label: string;
  readonly change: DnsChange;
  /** How the change is checked: `create` (name free), `adopt` (free failed but it is ours) or `owned`. */
  readonly check: 'create' | 'adopt' | 'owned';
  readonly prerequisites: readonly WireRecord[];
  readonly updates: readonly WireRecord[];
}

const TYPES = { A: RecordType.A, AAAA: RecordType.AAAA, CNAME: RecordType.CNAME } as const;

function empty(name: string, type: number, recordClass: number): WireRecord {
  return { name, type, class: recordClass, ttl: 0, data: { kind: 'empty' } };
}

/** "RRset exists (value dependent)" on our ownership TXT: it holds exactly this owner's string. */
function ownedBy(record: OwnedDnsRecord): WireRecord {
  const strings = [ownershipValue(record.owner, record.burstId)];
  return {
    name: ownershipName(record),
    type: RecordType.TXT,
    class: RecordClass.IN,
    ttl: 0,
    data: { kind: 'txt', strings },
  };
}

/** Deletes the record set and its ownership record (class ANY: whole RRsets). */
function removeAll(record: OwnedDnsRecord): WireRecord[] {
  return [
    empty(record.name, TYPES[record.type], RecordClass.ANY),
    empty(ownershipName(record), RecordType.TXT, RecordClass.ANY),
  ];
}

/** Adds every value of the record and its ownership TXT, with the record's TTL. */
function addAll(record: OwnedDnsRecord): WireRecord[] {
  const type = TYPES[record.type];
  const values: WireRecord[] = record.values.map((value) => ({
    name: record.name,
    type,
    class: RecordClass.IN,
    ttl: record.ttl,
    data: record.type === 'CNAME' ? { kind: 'name', target: value } : { kind: 'address', address: value },
  }));
  const owner: WireRecord = {
    ...ownedBy(record),
    ttl: record.ttl,
  };
  return [...values, owner];
}

/**
 * A create may only take a free name: no RRset of its type, no CNAME there (BIND would silently
 * ignore the add), nothing at all for a CNAME, and no ownership record of anybody.
 */
function freeFor(record: OwnedDnsRecord): WireRecord[] {
  const name: WireRecord[] =
    record.type === 'CNAME'
      ? [empty(record.name, RecordType.ANY, RecordClass.NONE)]
      : [
          empty(record.name, TYPES[record.type], RecordClass.NONE),
          empty(record.name, RecordType.CNAME, RecordClass.NONE),
        ];
  return [...name, empty(ownershipName(record), RecordType.TXT, RecordClass.NONE)];
}

/** The unit of one change. */
export function updateUnit(change: DnsChange): UpdateUnit {
  switch (change.action) {
    case 'create':
      return {
        label: describeRecord(change.record),
        change,
        check: 'create',
        prerequisites: freeFor(change.record),
        updates: addAll(change.record),
      };
    case 'update':
      return replacing(change, change.previous, change.record);
    case 'delete':
      return replacing(change, change.previous);
  }
}

/**
 * The unit of a change to a record we own: the ownership record must still say ours, then
 * `previous` goes and `next`, if any, takes its place.
 */
function replacing(change: DnsChange, previous: OwnedDnsRecord, next?: OwnedDnsRecord): UpdateUnit {
  return {
    label: describeRecord(next ?? previous),
    change,
    check: 'owned',
    prerequisites: [ownedBy(previous)],
    updates: [...removeAll(previous), ...(next ? addAll(next) : [])],
  };
}

/**
 * A create whose name was taken, retried as ours: allowed only when the ownership record there
 * is exactly ours (a create repeated after a lost answer, or a record the listing missed).
 */
export function adoptUnit(unit: UpdateUnit): UpdateUnit {
  if (unit.change.action !== 'create') return unit;
  const record = unit.change.record;
  return {
    ...unit,
    check: 'adopt',
    prerequisites: [ownedBy(record)],
    updates: [...removeAll(record), ...addAll(record)],
  };
}
