import type { DnsChange, DnsPlan, DnsRecord, OwnedDnsRecord } from '../drivers/dns/dns.ts';

/** What one burst should own in DNS, against what it owns now. */
export interface DnsPlanInput {
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
 * Plan the changes that turn `current` into `desired` for one burst: create what is missing,
 * update what differs, delete what is no longer wanted. Pure; an empty plan when they agree.
 * Records of other owners or bursts never appear in the plan (ownership policy).
 */
export function planDns(input: DnsPlanInput): DnsPlan {
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
