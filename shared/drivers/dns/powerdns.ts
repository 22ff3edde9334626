/**
 * The `powerdns` DNS driver: PowerDNS Authoritative (4.x) through its HTTP API. Lists by reading
 * the zone (`GET …/zones/<zone>.`) and applies a whole change set as one rrset `PATCH` (REPLACE and
 * DELETE), which PowerDNS commits in one transaction: all or nothing.
 *
 * Ownership (see ownership.ts): the API has no conditional writes, so the driver reads the zone,
 * refuses the whole change set if any change would touch a record set that is not ours (a create on a
 * taken name, an update or delete without our exact ownership TXT), and only then patches. The
 * window between the read and the patch is one round trip; for server-enforced prerequisites,
 * enable `dnsupdate` in PowerDNS and use the rfc2136 driver. Weighted records do not exist in
 * plain DNS and are refused.
 */
import { z } from 'zod';
import type { DnsChange, DnsChangeSet, DnsRecord, OwnedDnsRecord } from '../../domain/dns-changes.ts';
import { DriverError } from '../../errors.ts';
import type { DnsDriver } from './dns.ts';
import {
  assertManageable,
  assertUnweighted,
  changeRecords,
  DnsOwnershipError,
  describeRecord,
  type ListedRecordSet,
  normaliseName,
  ownedRecords,
  ownershipName,
  ownershipValue,
  parseOwnershipValue,
} from './ownership.ts';
import type { PowerDnsOptions } from './powerdns-options.ts';

const DRIVER = 'powerdns';

/** An rrset as the API returns it. */
const RrsetSchema = z.object({
  name: z.string(),
  type: z.string(),
  ttl: z.number().int().nonnegative(),
  records: z.array(z.object({ content: z.string(), disabled: z.boolean().optional() })),
});
type Rrset = z.infer<typeof RrsetSchema>;
const ZoneSchema = z.object({ rrsets: z.array(RrsetSchema) });

/** An rrset of a PATCH. */
interface RrsetChange {
  readonly name: string;
  readonly type: string;
  readonly ttl?: number;
  readonly changetype: 'REPLACE' | 'DELETE';
  readonly records?: readonly { readonly content: string; readonly disabled: false }[];
}

/**
 * PowerDNS HTTP API.
 * @example
 * const dns = new PowerDns({ apiUrl: 'http://127.0.0.1:8081', apiKey: process.env.PDNS_API_KEY ?? '', zone: 'example.org' });
 */
export class PowerDns implements DnsDriver {
  readonly name = DRIVER;
  readonly #options: PowerDnsOptions;
  readonly #zone: string;

  constructor(options: PowerDnsOptions) {
    this.#options = { ...options, apiUrl: options.apiUrl.replace(/\/+$/, '') };
    this.#zone = normaliseName(options.zone);
  }

  toString(): string {
    return `powerdns ${this.#options.apiUrl} zone ${this.#zone}`;
  }

  toJSON(): { driver: string; apiUrl: string; zone: string } {
    return { driver: DRIVER, apiUrl: this.#options.apiUrl, zone: this.#zone };
  }

  async listOwned(owner: string, filter: { readonly burstId?: string } = {}): Promise<OwnedDnsRecord[]> {
    return ownedRecords((await this.#rrsets()).map(listed), owner, filter);
  }

  async apply(changeSet: DnsChangeSet): Promise<void> {
    if (changeSet.changes.length === 0) return;
    for (const change of changeSet.changes) this.#check(change);
    const current = await this.#rrsets();
    const conflicts = changeSet.changes.flatMap((change) => conflict(current, change) ?? []);
    if (conflicts.length > 0) throw new DnsOwnershipError(DRIVER, conflicts);
    await this.#request('PATCH', { rrsets: changeSet.changes.flatMap(rrsetChanges) }, 'rrset PATCH');
  }

  #check(change: DnsChange): void {
    for (const record of changeRecords(change)) {
      assertManageable(DRIVER, this.#zone, record);
      assertUnweighted(DRIVER, record);
    }
  }

  async #rrsets(): Promise<Rrset[]> {
    const response = await this.#request('GET', undefined, 'zone read');
    const parsed = ZoneSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success)
      throw new DriverError(DRIVER, `unexpected zone document from ${this.#options.apiUrl}`, {
        retryable: true,
      });
    return parsed.data.rrsets;
  }

  async #request(method: 'GET' | 'PATCH', body: unknown, what: string): Promise<Response> {
    const { apiUrl, serverId, apiKey, timeoutMs } = this.#options;
    const url = `${apiUrl}/api/v1/servers/${serverId}/zones/${encodeURIComponent(`${this.#zone}.`)}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          'X-API-Key': apiKey,
          Accept: 'application/json',
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DriverError(DRIVER, `cannot reach ${apiUrl} (${what}): ${reason}`, { retryable: true });
    }
    if (response.ok) return response;
    const detail = await response
      .json()
      .then((json: unknown) => z.object({ error: z.string() }).parse(json).error)
      .catch(() => response.statusText);
    const status = response.status;
    if (status === 401 || status === 403)
      throw new DriverError(DRIVER, `API key refused by ${apiUrl} (${status})`);
    if (status === 404) throw new DriverError(DRIVER, `zone ${this.#zone} not found on ${apiUrl} (404)`);
    throw new DriverError(DRIVER, `${what} failed on ${apiUrl} (${status}: ${detail})`, {
      retryable: status >= 500 || status === 429,
    });
  }
}

/** Quoted TXT content (`"a" "b"`) as its joined text. */
function txtText(content: string): string {
  const strings = [...content.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) =>
    (match[1] ?? '').replace(/\\(.)/g, '$1'),
  );
  return strings.length > 0 ? strings.join('') : content;
}

function listed(rrset: Rrset): ListedRecordSet {
  const values = rrset.records.filter((record) => !record.disabled).map((record) => record.content);
  return {
    name: rrset.name,
    type: rrset.type,
    ttl: rrset.ttl,
    values: rrset.type === 'TXT' ? values.map(txtText) : values,
  };
}

function find(current: readonly Rrset[], name: string, type?: string): Rrset | undefined {
  const wanted = normaliseName(name);
  return current.find(
    (rrset) => normaliseName(rrset.name) === wanted && (type === undefined || rrset.type === type),
  );
}

/** Whether the ownership rrset of `record` holds exactly our one value (disabled records count as theirs). */
function ownedByUs(current: readonly Rrset[], record: OwnedDnsRecord): boolean | undefined {
  const txt = find(current, ownershipName(record), 'TXT');
  if (!txt) return undefined;
  const value =
    txt.records.length === 1 ? parseOwnershipValue(txtText(txt.records[0]?.content ?? '')) : undefined;
  return value?.owner === record.owner && value.burstId === record.burstId;
}

/** Why a change may not be applied, or undefined when it may. */
function conflict(current: readonly Rrset[], change: DnsChange): string | undefined {
  if (change.action !== 'create') {
    return ownedByUs(current, change.previous)
      ? undefined
      : `${describeRecord(change.previous)} has no ownership record with our owner and burst`;
  }
  const record = change.record;
  const ours = ownedByUs(current, record);
  if (ours) return undefined;
  const taken =
    record.type === 'CNAME'
      ? find(current, record.name)
      : (find(current, record.name, record.type) ?? find(current, record.name, 'CNAME'));
  return ours === false || taken ? `${describeRecord(record)} exists and is not ours` : undefined;
}

function content(record: DnsRecord, value: string): string {
  return record.type === 'CNAME' ? `${normaliseName(value)}.` : value;
}

function rrsetChanges(change: DnsChange): RrsetChange[] {
  if (change.action === 'delete') {
    const previous = change.previous;
    return [
      { name: `${normaliseName(previous.name)}.`, type: previous.type, changetype: 'DELETE' },
      { name: `${ownershipName(previous)}.`, type: 'TXT', changetype: 'DELETE' },
    ];
  }
  const record = change.record;
  return [
    {
      name: `${normaliseName(record.name)}.`,
      type: record.type,
      ttl: record.ttl,
      changetype: 'REPLACE',
      records: record.values.map((value) => ({ content: content(record, value), disabled: false })),
    },
    {
      name: `${ownershipName(record)}.`,
      type: 'TXT',
      ttl: record.ttl,
      changetype: 'REPLACE',
      records: [{ content: `"${ownershipValue(record.owner, record.burstId)}"`, disabled: false }],
    },
  ];
}
