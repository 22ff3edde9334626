/**
 * The `rfc2136` DNS driver: DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945) against BIND,
 * Knot, PowerDNS or any primary that accepts dynamic updates; listing by TSIG-signed AXFR.
 *
 * Ownership (see ownership.ts) is enforced by the server, atomically, through prerequisites:
 * a create requires the name to be free (no RRset of its type, no CNAME, no ownership record),
 * an update or delete requires our ownership TXT with exactly our value. If a batch fails its
 * prerequisites, each change is probed alone (an UPDATE with prerequisites only changes
 * nothing); a create whose ownership record is already exactly ours is retried as ours, and
 * anything else is refused with a `DnsOwnershipError` naming the records, none of the batch
 * applied. Each message (at most `batchSize` changes) is atomic; a change set larger than one batch
 * applies batch by batch. Weighted records do not exist in plain DNS: records with a set
 * identifier are refused (use gateway mode, or the route53 driver for direct mode).
 */

import type { DnsChange, DnsChangeSet, OwnedDnsRecord } from '../../../domain/dns-changes.ts';
import { DriverError } from '../../../errors.ts';
import type { DnsDriver } from '../dns.ts';
import {
  assertManageable,
  assertUnweighted,
  changeRecords,
  DnsOwnershipError,
  type ListedRecordSet,
  ownedRecords,
} from '../ownership.ts';
import { endpointText } from './client.ts';
import { Opcode, Rcode, RecordClass, RecordType, rcodeName, typeName } from './constants.ts';
import { makeFlags, rcodeOf, type WireRecord } from './message.ts';
import type { Rfc2136Options } from './options.ts';
import { type ExchangeContext, PREREQUISITE_RCODES, rcodeError } from './response-error.ts';
import { Rfc2136Session } from './session.ts';
import { TsigKey } from './tsig-key.ts';
import { adoptUnit, type UpdateUnit, updateUnit } from './update-units.ts';

const DRIVER = 'rfc2136';

/**
 * DNS UPDATE with TSIG.
 * @example
 * const dns = new Rfc2136Dns({ server: '127.0.0.1', port: 53, zone: 'example.org',
 *   keyName: 'clusterburst-key', keySecret: process.env.TSIG_SECRET ?? '' });
 * await dns.apply(dnsChanges({ owner, burstId, desired, current: await dns.listOwned(owner) }));
 */
export class Rfc2136Dns implements DnsDriver {
  readonly name = DRIVER;
  readonly #options: Omit<Rfc2136Options, 'keySecret'>;
  readonly #key: TsigKey;
  readonly #now: () => number;
  readonly #context: ExchangeContext;

  constructor(options: Rfc2136Options, deps: { readonly now?: () => number } = {}) {
    const { keySecret, ...rest } = options;
    this.#options = { ...rest, zone: rest.zone.replace(/\.$/, '').toLowerCase() };
    this.#key = new TsigKey(rest.keyName, rest.keyAlgorithm, keySecret);
    this.#now = deps.now ?? Date.now;
    const endpoint = { host: rest.server, port: rest.port, timeoutMs: rest.timeoutMs };
    this.#context = { keyName: this.#key.name, server: endpointText(endpoint), zone: this.#options.zone };
  }

  toString(): string {
    return `rfc2136 ${this.#context.server} zone ${this.#options.zone} key "${this.#key.name}"`;
  }

  #session(): Rfc2136Session {
    const { server, port, timeoutMs, transport, fudge, zone } = this.#options;
    return new Rfc2136Session(
      { endpoint: { host: server, port, timeoutMs }, key: this.#key, transport, fudge, now: this.#now },
      zone,
    );
  }

  async listOwned(owner: string, filter: { readonly burstId?: string } = {}): Promise<OwnedDnsRecord[]> {
    const session = this.#session();
    try {
      return ownedRecords(recordSets(await session.transfer()), owner, filter);
    } finally {
      await session.close();
    }
  }

  async apply(changeSet: DnsChangeSet): Promise<void> {
    if (changeSet.changes.length === 0) return;
    for (const change of changeSet.changes) this.#check(change);
    const units = changeSet.changes.map(updateUnit);
    const session = this.#session();
    try {
      for (let start = 0; start < units.length; start += this.#options.batchSize) {
        await this.#applyBatch(session, units.slice(start, start + this.#options.batchSize));
      }
    } finally {
      await session.close();
    }
  }

  #check(change: DnsChange): void {
    for (const record of changeRecords(change)) {
      assertManageable(DRIVER, this.#options.zone, record);
      assertUnweighted(DRIVER, record);
    }
  }

  #message(prerequisites: readonly WireRecord[], updates: readonly WireRecord[]) {
    return {
      flags: makeFlags({ opcode: Opcode.UPDATE }),
      questions: [{ name: this.#options.zone, type: RecordType.SOA, class: RecordClass.IN }],
      answers: prerequisites,
      authorities: updates,
      additionals: [],
    };
  }

  async #send(session: Rfc2136Session, units: readonly UpdateUnit[]): Promise<number> {
    const answer = await session.exchange(
      this.#message(
        units.flatMap((u) => u.prerequisites),
        units.flatMap((u) => u.updates),
      ),
    );
    return rcodeOf(answer.flags);
  }

  /** Whether prerequisites hold now, asked with an UPDATE that changes nothing. */
  async #holds(session: Rfc2136Session, prerequisites: readonly WireRecord[]): Promise<boolean> {
    const rcode = rcodeOf((await session.exchange(this.#message(prerequisites, []))).flags);
    if (rcode === Rcode.NOERROR) return true;
    if (PREREQUISITE_RCODES.has(rcode)) return false;
    throw rcodeError(this.#context, rcode, 'prerequisite check');
  }

  async #applyBatch(session: Rfc2136Session, units: readonly UpdateUnit[]): Promise<void> {
    const rcode = await this.#send(session, units);
    if (rcode === Rcode.NOERROR) return;
    if (!PREREQUISITE_RCODES.has(rcode))
      throw rcodeError(this.#context, rcode, `update of ${units.length} record sets`);
    const resolved: UpdateUnit[] = [];
    const conflicts: string[] = [];
    for (const unit of units) {
      if (await this.#holds(session, unit.prerequisites)) {
        resolved.push(unit);
        continue;
      }
      const adopted = adoptUnit(unit);
      if (adopted !== unit && (await this.#holds(session, adopted.prerequisites))) {
        resolved.push(adopted);
        continue;
      }
      conflicts.push(
        unit.check === 'create'
          ? `${unit.label} exists and is not ours`
          : `${unit.label} has no ownership record with our owner and burst`,
      );
    }
    if (conflicts.length > 0) throw new DnsOwnershipError(DRIVER, conflicts);
    const retried = await this.#send(session, resolved);
    if (retried === Rcode.NOERROR) return;
    // Every change passed alone: somebody changed the zone between our messages.
    throw new DriverError(
      DRIVER,
      `records changed on ${this.#context.server} while updating (${rcodeName(retried)})`,
      {
        retryable: true,
      },
    );
  }
}

/** Groups transferred records into record sets in presentation form. */
function recordSets(records: readonly WireRecord[]): ListedRecordSet[] {
  const sets = new Map<string, { name: string; type: string; ttl: number; values: string[] }>();
  for (const record of records) {
    if (record.class !== RecordClass.IN) continue;
    const value = presentation(record);
    if (value === undefined) continue;
    const type = typeName(record.type);
    const key = `${record.name.toLowerCase()}|${type}`;
    const set = sets.get(key) ?? { name: record.name, type, ttl: record.ttl, values: [] };
    set.values.push(value);
    sets.set(key, set);
  }
  return [...sets.values()];
}

function presentation(record: WireRecord): string | undefined {
  switch (record.data.kind) {
    case 'address':
      return record.data.address;
    case 'name':
      return record.data.target;
    case 'txt':
      return record.data.strings.join('');
    default:
      return undefined;
  }
}
