import type { DnsChangeSet, OwnedDnsRecord } from '../../domain/dns-changes.ts';

/**
 * A DNS server or service. Drivers write a TXT ownership record beside each managed record and
 * refuse to change a record that has none or that names another owner.
 */
export interface DnsDriver {
  readonly name: string;
  /** Records owned by `owner` (optionally one burst's). */
  listOwned(owner: string, filter?: { readonly burstId?: string }): Promise<OwnedDnsRecord[]>;
  /** Apply a change set; all or nothing where the backend allows it. */
  apply(changes: DnsChangeSet): Promise<void>;
  close?(): Promise<void>;
}
