import type { DnsChangeSet, DnsRecord, OwnedDnsRecord } from '../../domain/dns-changes.ts';
import { recordKey } from '../../domain/dns-changes.ts';
import { DriverError } from '../../errors.ts';
import type { DnsDriver } from './dns.ts';

type Stored = OwnedDnsRecord | (DnsRecord & { readonly owner?: undefined; readonly burstId?: undefined });

/**
 * The embedded DNS: a map of record sets that remembers what it was asked. Records seeded
 * through `foreign` have no owner and can never be changed through the driver.
 */
export class MemoryDns implements DnsDriver {
  readonly name = 'memory';
  readonly #records = new Map<string, Stored>();
  /** Every applied change, for status and tests. */
  readonly log: {
    readonly at: string;
    readonly action: string;
    readonly name: string;
    readonly type: string;
  }[] = [];

  constructor(options: { readonly foreign?: readonly DnsRecord[] } = {}) {
    for (const r of options.foreign ?? []) this.#records.set(recordKey(r), { ...r });
  }

  async listOwned(owner: string, filter: { readonly burstId?: string } = {}): Promise<OwnedDnsRecord[]> {
    return [...this.#records.values()].filter(
      (r): r is OwnedDnsRecord =>
        r.owner === owner && (filter.burstId === undefined || r.burstId === filter.burstId),
    );
  }

  /** Every record set, ours and others'. */
  records(): readonly Stored[] {
    return [...this.#records.values()];
  }

  async apply(changeSet: DnsChangeSet): Promise<void> {
    // Check every change first so a change set applies all or nothing.
    for (const change of changeSet.changes) {
      const target = change.action === 'delete' ? change.previous : change.record;
      const existing = this.#records.get(recordKey(target));
      const ours = existing && existing.owner === target.owner && existing.burstId === target.burstId;
      if (change.action === 'create' && existing && !ours) {
        throw new DriverError('memory-dns', `${target.name} ${target.type} exists and is not ours`);
      }
      if (change.action !== 'create' && existing && !ours) {
        throw new DriverError('memory-dns', `${target.name} ${target.type} is not ours`);
      }
    }
    const at = new Date().toISOString();
    for (const change of changeSet.changes) {
      if (change.action === 'delete') this.#records.delete(recordKey(change.previous));
      else this.#records.set(recordKey(change.record), change.record);
      const r = change.action === 'delete' ? change.previous : change.record;
      this.log.push({ at, action: change.action, name: r.name, type: r.type });
    }
  }
}
