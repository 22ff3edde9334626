/** Resource record types clusterburst reads or writes (RFC 1035, 3596, 8945, 5936). */
export const RecordType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  TSIG: 250,
  AXFR: 252,
  ANY: 255,
} as const;

/** Record classes; NONE and ANY carry RFC 2136 prerequisite and delete semantics. */
export const RecordClass = {
  IN: 1,
  NONE: 254,
  ANY: 255,
} as const;

/** Header opcodes used here. */
export const Opcode = {
  QUERY: 0,
  UPDATE: 5,
} as const;

/** Response codes, including the RFC 2136 and RFC 8945 extensions. */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  BADSIG: 16,
  BADKEY: 17,
  BADTIME: 18,
  BADTRUNC: 22,
} as const;

const RCODE_NAMES = new Map<number, string>(Object.entries(Rcode).map(([name, code]) => [code, name]));

/** The mnemonic of an RCODE or TSIG error (`BADSIG`), or `RCODE<n>` when unknown. */
export function rcodeName(code: number): string {
  return RCODE_NAMES.get(code) ?? `RCODE${code}`;
}

const TYPE_NAMES = new Map<number, string>(Object.entries(RecordType).map(([name, code]) => [code, name]));

/** The mnemonic of a record type (`AAAA`), or `TYPE<n>` as in RFC 3597. */
export function typeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `TYPE${type}`;
}
