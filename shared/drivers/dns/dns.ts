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

/** One change of a plan. `previous` is what we own now (for update and delete). */
export type DnsChange =
  | { readonly action: 'create'; readonly record: OwnedDnsRecord }
  | { readonly action: 'update'; readonly record: OwnedDnsRecord; readonly previous: OwnedDnsRecord }
  | { readonly action: 'delete'; readonly previous: OwnedDnsRecord };

/** A pure, serialisable change set; empty when current equals desired. */
export interface DnsPlan {
  readonly changes: readonly DnsChange[];
}

/**
 * A DNS server or service. Drivers write a TXT ownership record beside each managed record and
 * refuse to change a record that has none or that names another owner.
 */
export interface DnsDriver {
  readonly name: string;
  /** Records owned by `owner` (optionally one burst's). */
  listOwned(owner: string, filter?: { readonly burstId?: string }): Promise<OwnedDnsRecord[]>;
  /** Apply a plan; all or nothing where the backend allows it. */
  apply(plan: DnsPlan): Promise<void>;
  close?(): Promise<void>;
}
