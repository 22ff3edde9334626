/**
 * TXT ownership records, the way external-dns marks what it manages, shared by every real DNS
 * driver (rfc2136, powerdns, route53).
 *
 * Scheme: each record set we manage has one TXT record set beside it, named
 * `cb-owner-<type>[-<set identifier>].<name>`, holding exactly one string:
 * `heritage=clusterburst,clusterburst/owner=<owner>,clusterburst/resource=burst/<burst id>`.
 * For example `web.example.org A` is owned through `cb-owner-a.web.example.org TXT`, and the
 * weighted `web.example.org CNAME` of set `eks-1` through `cb-owner-cname-eks-1.web.example.org`.
 * Why a prefix label rather than a TXT at the record's own name: a CNAME cannot share its name
 * with any other data, the type keeps `A` and `AAAA` at one name apart, and the set identifier
 * keeps the weighted records of several clusters at one name apart, so every record set has its
 * own ownership record whatever its type. A record without an ownership record, or whose
 * ownership record names another owner or burst, is never updated or deleted.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { DnsChange, DnsRecord, OwnedDnsRecord } from '../../domain/dns-changes.ts';
import { DriverError } from '../../errors.ts';

/** First part of the first label of every ownership record name. */
export const OWNERSHIP_PREFIX = 'cb-owner-';

const HERITAGE = 'heritage=clusterburst';
const OWNER_KEY = 'clusterburst/owner=';
const RESOURCE_KEY = 'clusterburst/resource=burst/';
/** Owner and burst ids stay clear of the separators of the TXT value. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Set identifiers become part of a DNS label, so: lower case, digits, inner hyphens. */
const SET_IDENTIFIER = /^[a-z0-9]([a-z0-9-]{0,46}[a-z0-9])?$/;
const LABEL = /^(\*|[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)$/;
const TYPES: readonly DnsRecord['type'][] = ['A', 'AAAA', 'CNAME'];

/** Names compare case-insensitively and without the trailing dot. */
export function normaliseName(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/** Name of the ownership TXT record of a record set. */
export function ownershipName(record: Pick<DnsRecord, 'name' | 'type' | 'setIdentifier'>): string {
  const set = record.setIdentifier === undefined ? '' : `-${record.setIdentifier}`;
  return `${OWNERSHIP_PREFIX}${record.type.toLowerCase()}${set}.${normaliseName(record.name)}`;
}

/** The record set an ownership record name stands for, or undefined for any other name. */
export function parseOwnershipName(
  txtName: string,
): Pick<DnsRecord, 'name' | 'type' | 'setIdentifier'> | undefined {
  const name = normaliseName(txtName);
  const dot = name.indexOf('.');
  const label = name.slice(0, dot);
  if (dot < 0 || !label.startsWith(OWNERSHIP_PREFIX)) return undefined;
  const [type = '', ...rest] = label.slice(OWNERSHIP_PREFIX.length).split('-');
  const recordType = TYPES.find((candidate) => candidate.toLowerCase() === type);
  if (!recordType) return undefined;
  const setIdentifier = rest.length > 0 ? rest.join('-') : undefined;
  return { name: name.slice(dot + 1), type: recordType, ...(setIdentifier ? { setIdentifier } : {}) };
}

/** The TXT string marking a record set as owned by `owner` for burst `burstId`. */
export function ownershipValue(owner: string, burstId: string): string {
  return `${HERITAGE},${OWNER_KEY}${owner},${RESOURCE_KEY}${burstId}`;
}

/** Owner and burst of an ownership TXT string, or undefined when it is not one of ours. */
export function parseOwnershipValue(text: string): { owner: string; burstId: string } | undefined {
  const parts = text.replace(/^"|"$/g, '').split(',');
  if (parts[0] !== HERITAGE) return undefined;
  const owner = parts.find((part) => part.startsWith(OWNER_KEY))?.slice(OWNER_KEY.length);
  const burstId = parts.find((part) => part.startsWith(RESOURCE_KEY))?.slice(RESOURCE_KEY.length);
  return owner && burstId ? { owner, burstId } : undefined;
}

/** A change was refused because the record is, or may be, someone else's. Not retryable. */
export class DnsOwnershipError extends DriverError {
  /** `name TYPE[ set]: why` for each record refused. */
  readonly conflicts: readonly string[];

  constructor(driver: string, conflicts: readonly string[], options?: ErrorOptions) {
    super(driver, `refused to change records not owned by us: ${conflicts.join('; ')}`, options);
    this.conflicts = conflicts;
  }
}

/** `web.example.org A` or `web.example.org A [eks-1]`, as messages show a record set. */
export function describeRecord(record: Pick<DnsRecord, 'name' | 'type' | 'setIdentifier'>): string {
  const set = record.setIdentifier === undefined ? '' : ` [${record.setIdentifier}]`;
  return `${normaliseName(record.name)} ${record.type}${set}`;
}

/**
 * Refuses (non-retryable `DriverError`) a record we must not write: outside the zone, an
 * ownership name itself, a malformed value, or ids that would break the TXT value.
 */
export function assertManageable(driver: string, zone: string, record: OwnedDnsRecord): void {
  const name = normaliseName(record.name);
  const problem = manageProblem(normaliseName(zone), name, record);
  if (problem) throw new DriverError(driver, `cannot manage ${describeRecord(record)}: ${problem}`);
}

/** The records a change touches: the record it writes and the one it replaces or deletes. */
export function changeRecords(change: DnsChange): OwnedDnsRecord[] {
  if (change.action === 'update') return [change.record, change.previous];
  return [change.action === 'create' ? change.record : change.previous];
}

/** Refuses a weighted record where the backend is plain DNS, which has no weights. */
export function assertUnweighted(driver: string, record: OwnedDnsRecord): void {
  if (record.setIdentifier === undefined && record.weight === undefined) return;
  throw new DriverError(
    driver,
    `cannot manage ${describeRecord(record)}: plain DNS has no weighted records (use gateway mode, or route53 for direct mode)`,
  );
}

function manageProblem(zone: string, name: string, record: OwnedDnsRecord): string | undefined {
  if (name !== zone && !name.endsWith(`.${zone}`)) return `it is outside zone ${zone}`;
  const labels = name.split('.');
  if (!labels.every((label) => LABEL.test(label)) || name.length > 253) return 'invalid name';
  if (labels[0]?.startsWith(OWNERSHIP_PREFIX))
    return `names starting with ${OWNERSHIP_PREFIX} hold ownership records`;
  if (!TYPES.includes(record.type)) return `type ${record.type} is not managed`;
  if (!ID.test(record.owner) || !ID.test(record.burstId))
    return 'owner and burst id must match [A-Za-z0-9._-]';
  if (record.setIdentifier !== undefined && !SET_IDENTIFIER.test(record.setIdentifier)) {
    return 'set identifier must be lower-case letters, digits and inner hyphens (at most 48)';
  }
  if (!Number.isInteger(record.ttl) || record.ttl < 0 || record.ttl > 2_147_483_647) return 'invalid TTL';
  if (record.type === 'CNAME' && record.values.length !== 1) return 'a CNAME has exactly one value';
  const valid = record.type === 'A' ? isIPv4 : record.type === 'AAAA' ? isIPv6 : isHostname;
  const bad = record.values.find((value) => !valid(value));
  return bad === undefined ? undefined : `invalid ${record.type} value "${bad}"`;
}

function isHostname(value: string): boolean {
  const name = value.replace(/\.$/, '');
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

/** A record set as a backend lists it, values in presentation form (TXT strings joined). */
export interface ListedRecordSet {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly values: readonly string[];
  readonly setIdentifier?: string;
  readonly weight?: number;
}

/**
 * The record sets `owner` owns (optionally one burst's), read from a listing of the zone: every
 * ownership TXT of ours, joined with the record set it names. An ownership record whose record
 * set is gone is listed with no values, so the planner repairs or deletes it.
 */
export function ownedRecords(
  sets: readonly ListedRecordSet[],
  owner: string,
  filter: { readonly burstId?: string } = {},
): OwnedDnsRecord[] {
  const key = (name: string, type: string, set: string | undefined) =>
    `${normaliseName(name)}|${type}|${set ?? ''}`;
  const byKey = new Map(sets.map((set) => [key(set.name, set.type, set.setIdentifier), set]));
  const owned: OwnedDnsRecord[] = [];
  for (const txt of sets) {
    if (txt.type !== 'TXT' || txt.values.length !== 1) continue;
    const target = parseOwnershipName(txt.name);
    const ownership = parseOwnershipValue(txt.values[0] ?? '');
    if (!target || !ownership || ownership.owner !== owner) continue;
    if (filter.burstId !== undefined && ownership.burstId !== filter.burstId) continue;
    const set = byKey.get(key(target.name, target.type, target.setIdentifier));
    owned.push({
      ...target,
      ttl: set?.ttl ?? txt.ttl,
      // Sorted: servers return values in any order, and listings should compare equal.
      values: (
        set?.values.map((value) => (target.type === 'CNAME' ? normaliseName(value) : value)) ?? []
      ).sort(),
      ...(set?.weight !== undefined ? { weight: set.weight } : {}),
      owner: ownership.owner,
      burstId: ownership.burstId,
    });
  }
  return owned.sort((a, b) => describeRecord(a).localeCompare(describeRecord(b)));
}
