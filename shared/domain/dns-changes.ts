/**
 * DNS records as clusterburst wants them, and the pure diff (`dnsChanges`) that turns what a burst
 * owns into what it should own. Domain data: drivers apply a change set, core decides it.
 */
/** A DNS record set as clusterburst manages it. */
export interface DnsRecord {
  /** Fully qualified, without the trailing dot: `web.example.org`. */
  readonly name: string;
  readonly type: 'A' | 'AAAA' | 'CNAME';
  readonly ttl: number;
  readonly values: readonly string[];
  /** Weighted records (direct mode): one set identifier per cluster. */
  readonly setIdentifier?: string;
  readonly weight?: number;
}

/** A record we own, with the burst that owns it (read back from the ownership TXT record). */
export interface OwnedDnsRecord extends DnsRecord {
  readonly owner: string;
  readonly burstId: string;
}

/** One change of a change set. `previous` is what we own now (for update and delete). */
export type DnsChange =
  | { readonly action: 'create'; readonly record: OwnedDnsRecord }
  | { readonly action: 'update'; readonly record: OwnedDnsRecord; readonly previous: OwnedDnsRecord }
  | { readonly action: 'delete'; readonly previous: OwnedDnsRecord };

/** A pure, serialisable change set; empty when current equals desired. */
export interface DnsChangeSet {
  readonly changes: readonly DnsChange[];
}

/** What one burst should own in DNS, against what it owns now. */
export interface DnsChangesInput {
  readonly owner: string;
  readonly burstId: string;
  /** Records the burst should have; empty to remove everything it owns. */
  readonly desired: readonly DnsRecord[];
  /** Records owned now (from `listOwned`); others' records are filtered out again here. */
  readonly current: readonly OwnedDnsRecord[];
}

/** Identity of a record set: name, type and (for weighted records) set identifier. */
export function recordKey(r: Pick<DnsRecord, 'name' | 'type' | 'setIdentifier'>): string {
  return `${r.name.toLowerCase()}|${r.type}|${r.setIdentifier ?? ''}`;
}

/**
 * The changes that turn `current` into `desired` for one burst: create what is missing,
 * update what differs, delete what is no longer wanted. Pure; no changes when they agree.
 * Records of other owners or bursts never appear in it (ownership policy).
 */
export function dnsChanges(input: DnsChangesInput): DnsChangeSet {
  const mine = input.current.filter((r) => r.owner === input.owner && r.burstId === input.burstId);
  const byKey = new Map(mine.map((r) => [recordKey(r), r]));
  const changes: DnsChange[] = [];
  const wanted = new Set<string>();
  for (const d of input.desired) {
    const key = recordKey(d);
    wanted.add(key);
    const record: OwnedDnsRecord = { ...d, owner: input.owner, burstId: input.burstId };
    const previous = byKey.get(key);
    if (!previous) changes.push({ action: 'create', record });
    else if (!sameRecord(previous, record)) changes.push({ action: 'update', record, previous });
  }
  for (const [key, previous] of byKey) {
    if (!wanted.has(key)) changes.push({ action: 'delete', previous });
  }
  return { changes };
}

function sameRecord(a: DnsRecord, b: DnsRecord): boolean {
  return (
    a.ttl === b.ttl &&
    a.weight === b.weight &&
    a.values.length === b.values.length &&
    [...a.values].sort().every((v, i) => v === [...b.values].sort()[i])
  );
}
